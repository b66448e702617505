#include <minidl/layers/augment/random_hue.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void adjust_hue(const float* in, float* out, Index pixels, float delta, const ValueRange& range) {
  for (Index p = 0; p < pixels; ++p) {
    float rgb[3], hsv[3];
    for (int k = 0; k < 3; ++k) rgb[k] = to_unit(in[3 * p + k], range);
    rgb_to_hsv(rgb, hsv);
    hsv[0] += delta;
    if (hsv[0] > 1.0f) hsv[0] -= 1.0f;
    if (hsv[0] < 0.0f) hsv[0] += 1.0f;
    hsv_to_rgb(hsv, rgb);
    for (int k = 0; k < 3; ++k) out[3 * p + k] = from_unit(std::clamp(rgb[k], 0.0f, 1.0f), range);
  }
}

RandomHue::RandomHue(FactorRange factor, ValueRange value_range, std::optional<std::uint64_t> seed)
    : FactorAugmentation("RandomHue", factor, value_range, /*rgb=*/true, seed) {}

float RandomHue::value(Generator& rng) const {
  const float magnitude = 0.5f * rng.uniform(factor_.lower, factor_.upper);
  return rng.uniform() < 0.5f ? -magnitude : magnitude;
}

void RandomHue::transform(Index i, const float* in, float* out) const {
  adjust_hue(in, out, height() * width(), values_[std::size_t(i)], range_);
}

RandomHue RandomHue::from_config(const LayerConfig& config) {
  const auto [factor, value_range] = arguments_of(config);
  return RandomHue(factor, value_range, config.seed());
}

}  // namespace minidl
