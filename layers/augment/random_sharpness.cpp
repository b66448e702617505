#include <minidl/layers/augment/random_sharpness.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void adjust_sharpness(const float* in, float* out, Index h, Index w, Index c, float f,
                      const ValueRange& range) {
  std::copy(in, in + h * w * c, out);
  const float keep = 1.0f - 2.0f * f;
  for (Index y = 1; y + 1 < h; ++y) {
    for (Index x = 1; x + 1 < w; ++x) {
      for (Index k = 0; k < c; ++k) {
        const float* center = in + (y * w + x) * c + k;
        float sum = 4.0f * center[0];  // weight 5 at the centre: 4 here, 1 in the 3x3 sum
        for (Index dy = -1; dy <= 1; ++dy)
          for (Index dx = -1; dx <= 1; ++dx) sum += center[(dy * w + dx) * c];
        const float smooth = sum / 13.0f;
        out[(y * w + x) * c + k] =
            std::clamp(center[0] + keep * (smooth - center[0]), range.low, range.high);
      }
    }
  }
}

RandomSharpness::RandomSharpness(FactorRange factor, ValueRange value_range,
                                 std::optional<std::uint64_t> seed)
    : FactorAugmentation("RandomSharpness", factor, value_range, /*rgb=*/false, seed) {}

void RandomSharpness::transform(Index i, const float* in, float* out) const {
  adjust_sharpness(in, out, height(), width(), channels(), values_[std::size_t(i)], range_);
}

RandomSharpness RandomSharpness::from_config(const LayerConfig& config) {
  const auto [factor, value_range] = arguments_of(config);
  return RandomSharpness(factor, value_range, config.seed());
}

}  // namespace minidl
