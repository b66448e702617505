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
    : FactorAugmentation("RandomSaturation", factor, value_range, /*rgb=*/true, seed) {}

float RandomSaturation::value(Generator& rng) const {
  const float f = rng.uniform(factor_.lower, factor_.upper);
  // Keras' 1e-7 keeps f = 1 finite: a multiplier of 1e7 saturates every coloured pixel.
  return f / (1.0f - f + 1e-7f);
}

void RandomSaturation::transform(Index i, const float* in, float* out) const {
  adjust_saturation(in, out, height() * width(), values_[std::size_t(i)], range_);
}

RandomSaturation RandomSaturation::from_config(const LayerConfig& config) {
  const auto [factor, value_range] = arguments_of(config);
  return RandomSaturation(factor, value_range, config.seed());
}

}  // namespace minidl
