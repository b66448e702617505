#include <minidl/layers/augment/factor_augmentation.hpp>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>

namespace minidl {

FactorAugmentation::FactorAugmentation(const char* type, FactorRange factor, ValueRange value_range,
                                       bool rgb, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), factor_(from_zero(factor)), range_(value_range), rgb_(rgb) {
  // Named by `type`: the layer's own type() is not callable while this base is constructed.
  if (!(factor_.lower <= factor_.upper && factor_.lower >= 0.0f && factor_.upper <= 1.0f)) {
    throw Error(
        fmt::format("{}: factor must be a range (lower, upper) with 0 <= lower <= upper "
                    "<= 1, got ({}, {})",
                    type, factor.lower, factor.upper));
  }
  check_value_range(range_, type);
}

Shape FactorAugmentation::build_impl(const Shape& s) {
  if (rgb_) check_rgb(s, label());
  return AugmentationLayer::build_impl(s);
}

float FactorAugmentation::value(Generator& rng) const {
  return rng.uniform(factor_.lower, factor_.upper);
}

void FactorAugmentation::draw(Index n, const SampleStreams& streams) {
  values_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    values_[std::size_t(i)] = value(rng);
  }
}

Json FactorAugmentation::get_config() const {
  return {{"factor", {factor_.lower, factor_.upper}}, {"value_range", {range_.low, range_.high}}};
}

std::pair<FactorRange, ValueRange> FactorAugmentation::arguments_of(const LayerConfig& config) {
  require_channels_last(config);
  const auto [low, high] = config.range("factor");
  return {FactorRange(low, high), value_range_of(config)};
}

}  // namespace minidl
