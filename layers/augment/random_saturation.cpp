#include <minidl/layers/augment/random_saturation.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void adjust_saturation(const float* in, float* out, Index pixels, float multiplier,
                       const ValueRange& range) {
  // Keras scales S in HSV by the multiplier, clipped to [0, 1], and converts back. With H and V
  // kept, that moves each channel c towards V = max(r, g, b) by the ratio of the saturations,
  // gain = min(multiplier, 1 / S): out = V - gain (V - c), the same colours without the round
  // trip through HSV (equal to it within float rounding, tests/test_augment_color.cpp).
  const float low = range.low, high = range.high;
  map_rgb(in, out, pixels, [=](float r, float g, float b) {
    const float v = max3(r, g, b), spread = v - min3(r, g, b);
    const float limit = (v - low) / (spread > 0.0f ? spread : 1.0f);
    const float gain = spread > 0.0f ? (multiplier < limit ? multiplier : limit) : 0.0f;
    auto move = [=](float c) { return clamp_by_value(v - gain * (v - c), low, high); };
    return Color{move(r), move(g), move(b)};
  });
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
