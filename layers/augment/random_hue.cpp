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
    : AugmentationLayer(seed), factor_(from_zero(factor)), range_(value_range) {
  check_range("factor", factor_, 0.0f, 1.0f);
  check_value_range(range_, "RandomHue");
}

Shape RandomHue::build_impl(const Shape& s) {
  check_rgb(s, label());
  return AugmentationLayer::build_impl(s);
}

void RandomHue::draw(Index n, const SampleStreams& streams) {
  deltas_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    const float magnitude = 0.5f * rng.uniform(factor_.lower, factor_.upper);
    deltas_[std::size_t(i)] = rng.uniform() < 0.5f ? -magnitude : magnitude;
  }
}

void RandomHue::transform(Index i, const float* in, float* out) const {
  adjust_hue(in, out, height() * width(), deltas_[std::size_t(i)], range_);
}

Json RandomHue::get_config() const {
  return {{"factor", {factor_.lower, factor_.upper}}, {"value_range", {range_.low, range_.high}}};
}

RandomHue RandomHue::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [low, high] = config.range("factor");
  return RandomHue(FactorRange(low, high), value_range_of(config), config.seed());
}

}  // namespace minidl
