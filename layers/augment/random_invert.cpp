#include <minidl/layers/augment/random_invert.hpp>

#include <algorithm>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

RandomInvert::RandomInvert(float factor, ValueRange value_range, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), probability_(factor), range_(value_range) {
  if (!(factor >= 0.0f && factor <= 1.0f)) {
    throw Error(fmt::format("RandomInvert: factor is a probability in [0, 1], got {}", factor));
  }
  check_value_range(range_, "RandomInvert");
}

void RandomInvert::draw(Index n, const SampleStreams& streams) {
  applied_.assign(std::size_t(n), false);
  for (Index i = 0; i < n; ++i) applied_[std::size_t(i)] = streams(i).uniform() < probability_;
}

void RandomInvert::transform(Index i, const float* in, float* out) const {
  const Index size = height() * width() * channels();
  if (!applied_[std::size_t(i)]) {
    std::copy(in, in + size, out);
    return;
  }
  const float sum = range_.low + range_.high;
  for (Index k = 0; k < size; ++k) out[k] = sum - in[k];
}

Json RandomInvert::get_config() const {
  return {{"factor", probability_}, {"value_range", {range_.low, range_.high}}};
}

RandomInvert RandomInvert::from_config(const LayerConfig& config) {
  return RandomInvert(probability_of(config, "factor", 0.5f), value_range_of(config),
                      config.seed());
}

}  // namespace minidl
