#include <minidl/layers/augment/random_brightness.hpp>

#include <algorithm>

namespace minidl {

void adjust_brightness(const float* in, float* out, Index size, float delta,
                       const ValueRange& range) {
  for (Index i = 0; i < size; ++i) out[i] = std::clamp(in[i] + delta, range.low, range.high);
}

RandomBrightness::RandomBrightness(FactorRange factor, ValueRange value_range,
                                   std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), factor_(factor), range_(value_range) {
  check_range("factor", factor_, -1.0f, 1.0f);
  check_value_range(range_, "RandomBrightness");
}

void RandomBrightness::draw(Index n, const SampleStreams& streams) {
  deltas_.resize(n);
  for (Index i = 0; i < n; ++i) {
    deltas_[i] = streams(i).uniform(factor_.lower, factor_.upper) * (range_.high - range_.low);
  }
}

void RandomBrightness::transform(Index i, const float* in, float* out) const {
  adjust_brightness(in, out, height() * width() * channels(), deltas_[i], range_);
}

Json RandomBrightness::get_config() const {
  return {{"factor", {factor_.lower, factor_.upper}}, {"value_range", {range_.low, range_.high}}};
}

RandomBrightness RandomBrightness::from_config(const LayerConfig& config) {
  const auto [low, high] = config.range("factor");
  return RandomBrightness(FactorRange(low, high), value_range_of(config), config.seed());
}

}  // namespace minidl
