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
    : AugmentationLayer(seed), factor_(from_zero(factor)), range_(value_range) {
  check_range("factor", factor_, 0.0f, 1.0f);
  check_value_range(range_, "RandomColorDegeneration");
}

Shape RandomColorDegeneration::build_impl(const Shape& s) {
  check_rgb(s, label());
  return AugmentationLayer::build_impl(s);
}

void RandomColorDegeneration::draw(Index n, const SampleStreams& streams) {
  factors_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    factors_[std::size_t(i)] = streams(i).uniform(factor_.lower, factor_.upper);
  }
}

void RandomColorDegeneration::transform(Index i, const float* in, float* out) const {
  degenerate_color(in, out, height() * width(), factors_[std::size_t(i)], range_);
}

Json RandomColorDegeneration::get_config() const {
  return {{"factor", {factor_.lower, factor_.upper}}, {"value_range", {range_.low, range_.high}}};
}

RandomColorDegeneration RandomColorDegeneration::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [low, high] = config.range("factor");
  return RandomColorDegeneration(FactorRange(low, high), value_range_of(config), config.seed());
}

}  // namespace minidl
