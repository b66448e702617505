#include <minidl/layers/augment/random_posterization.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>

namespace minidl {

void posterize(const float* in, float* out, Index size, int bits, const ValueRange& range) {
  // As Keras: values to (0, 255), truncated to uint8, the low 8 - bits bits cleared, and back.
  // That is floor(v / 2^(8 - bits)) * 2^(8 - bits) for v in [0, 255], in float so that the loop
  // vectorises.
  const float step = float(1 << (8 - bits)), inverse_step = 1.0f / step;
  const float to_255 = 255.0f / (range.high - range.low), low = range.low;
  const float span = range.high - range.low;
  for (Index i = 0; i < size; ++i) {
    const float v = clamp_by_value((in[i] - low) * to_255, 0.0f, 255.0f);
    out[i] = floor_of_small(v * inverse_step) * step / 255.0f * span + low;
  }
}

RandomPosterization::RandomPosterization(FactorRange factor, ValueRange value_range,
                                         std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), range_(value_range) {
  // A single factor b arrives as (-b, b).
  const float low = factor.lower < 0.0f ? factor.upper : factor.lower;
  low_ = static_cast<int>(low);
  high_ = static_cast<int>(factor.upper);
  if (low_ != low || high_ != factor.upper || low_ < 1 || high_ > 8 || low_ > high_) {
    throw Error(fmt::format(
        "RandomPosterization: factor must be bits to keep, integers with 1 <= lower <= upper <= "
        "8, got ({}, {})",
        factor.lower, factor.upper));
  }
  check_value_range(range_, "RandomPosterization");
}

void RandomPosterization::draw(Index n, const SampleStreams& streams) {
  bits_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    bits_[std::size_t(i)] =
        low_ + static_cast<int>(streams(i).below(std::uint64_t(high_ - low_ + 1)));
  }
}

void RandomPosterization::transform(Index i, const float* in, float* out) const {
  posterize(in, out, height() * width() * channels(), bits_[std::size_t(i)], range_);
}

Json RandomPosterization::get_config() const {
  return {{"factor", {low_, high_}}, {"value_range", {range_.low, range_.high}}};
}

RandomPosterization RandomPosterization::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [low, high] = config.range("factor");
  return RandomPosterization(FactorRange(low, high), value_range_of(config), config.seed());
}

}  // namespace minidl
