#include <minidl/layers/augment/random_hue.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void adjust_hue(const float* in, float* out, Index pixels, float delta, const ValueRange& range) {
  const float scale = 1.0f / (range.high - range.low), low = range.low;
  const float back = range.high - range.low;
  map_rgb(in, out, pixels, [=](float r, float g, float b) {
    const Color hsv = hsv_of((r - low) * scale, (g - low) * scale, (b - low) * scale);
    float h = hsv.c0 + delta;
    h = h > 1.0f ? h - 1.0f : h < 0.0f ? h + 1.0f : h;
    const Color rgb = rgb_of(h, hsv.c1, hsv.c2);
    auto to_range = [=](float v) { return clamp_by_value(v, 0.0f, 1.0f) * back + low; };
    return Color{to_range(rgb.c0), to_range(rgb.c1), to_range(rgb.c2)};
  });
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
