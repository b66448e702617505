#include <minidl/layers/augment/random_saturation.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void adjust_saturation(const float* in, float* out, Index pixels, float multiplier,
                       const ValueRange& range) {
  for (Index p = 0; p < pixels; ++p) {
    float rgb[3], hsv[3];
    for (int k = 0; k < 3; ++k) rgb[k] = to_unit(in[3 * p + k], range);
    rgb_to_hsv(rgb, hsv);
    hsv[1] = std::clamp(hsv[1] * multiplier, 0.0f, 1.0f);
    hsv_to_rgb(hsv, rgb);
    for (int k = 0; k < 3; ++k) out[3 * p + k] = from_unit(std::clamp(rgb[k], 0.0f, 1.0f), range);
  }
}

RandomSaturation::RandomSaturation(FactorRange factor, ValueRange value_range,
                                   std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), factor_(from_zero(factor)), range_(value_range) {
  check_range("factor", factor_, 0.0f, 1.0f);
  check_value_range(range_, "RandomSaturation");
}

Shape RandomSaturation::build_impl(const Shape& s) {
  check_rgb(s, label());
  return AugmentationLayer::build_impl(s);
}

void RandomSaturation::draw(Index n, const SampleStreams& streams) {
  multipliers_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    const float f = streams(i).uniform(factor_.lower, factor_.upper);
    // Keras' 1e-7 keeps f = 1 finite: a multiplier of 1e7 saturates every coloured pixel.
    multipliers_[std::size_t(i)] = f / (1.0f - f + 1e-7f);
  }
}

void RandomSaturation::transform(Index i, const float* in, float* out) const {
  adjust_saturation(in, out, height() * width(), multipliers_[std::size_t(i)], range_);
}

Json RandomSaturation::get_config() const {
  return {{"factor", {factor_.lower, factor_.upper}}, {"value_range", {range_.low, range_.high}}};
}

RandomSaturation RandomSaturation::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [low, high] = config.range("factor");
  return RandomSaturation(FactorRange(low, high), value_range_of(config), config.seed());
}

}  // namespace minidl
