#include <minidl/layers/augment/random_color_degeneration.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void degenerate_color(const float* in, float* out, Index pixels, float f, const ValueRange& range) {
  for (Index p = 0; p < pixels; ++p) {
    const float gray = gray_of(in + 3 * p);
    for (int k = 0; k < 3; ++k) {
      const float x = in[3 * p + k];
      out[3 * p + k] = std::clamp(x + f * (gray - x), range.low, range.high);
    }
  }
}

RandomColorDegeneration::RandomColorDegeneration(FactorRange factor, ValueRange value_range,
                                                 std::optional<std::uint64_t> seed)
    : FactorAugmentation("RandomColorDegeneration", factor, value_range, /*rgb=*/true, seed) {}

void RandomColorDegeneration::transform(Index i, const float* in, float* out) const {
  degenerate_color(in, out, height() * width(), values_[std::size_t(i)], range_);
}

RandomColorDegeneration RandomColorDegeneration::from_config(const LayerConfig& config) {
  const auto [factor, value_range] = arguments_of(config);
  return RandomColorDegeneration(factor, value_range, config.seed());
}

}  // namespace minidl
