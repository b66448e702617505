#include <minidl/layers/augment/solarization.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void solarize(const float* in, float* out, Index size, float addition, float threshold,
              const ValueRange& range) {
  for (Index i = 0; i < size; ++i) {
    const float v = std::clamp(to_unit(in[i], range) * 255.0f + addition, 0.0f, 255.0f);
    out[i] = from_unit((v < threshold ? v : 255.0f - v) / 255.0f, range);
  }
}

Solarization::Solarization(FactorRange addition_factor, FactorRange threshold_factor,
                           ValueRange value_range, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      addition_(from_zero(addition_factor)),
      threshold_(from_zero(threshold_factor)),
      range_(value_range) {
  check_range("addition_factor", addition_, 0.0f, 1.0f);
  check_range("threshold_factor", threshold_, 0.0f, 1.0f);
  check_value_range(range_, "Solarization");
}

void Solarization::draw(Index n, const SampleStreams& streams) {
  draws_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    const float addition = 255.0f * rng.uniform(addition_.lower, addition_.upper);
    draws_[std::size_t(i)] = {addition, 255.0f * rng.uniform(threshold_.lower, threshold_.upper)};
  }
}

void Solarization::transform(Index i, const float* in, float* out) const {
  const auto [addition, threshold] = draws_[std::size_t(i)];
  solarize(in, out, height() * width() * channels(), addition, threshold, range_);
}

Json Solarization::get_config() const {
  return {{"addition_factor", {addition_.lower, addition_.upper}},
          {"threshold_factor", {threshold_.lower, threshold_.upper}},
          {"value_range", {range_.low, range_.high}}};
}

Solarization Solarization::from_config(const LayerConfig& config) {
  auto factor = [&](const char* key) {
    if (!config.has(key)) return FactorRange(0.0f);
    const auto [low, high] = config.range(key);
    return FactorRange(low, high);
  };
  return Solarization(factor("addition_factor"), factor("threshold_factor"), value_range_of(config),
                      config.seed());
}

}  // namespace minidl
