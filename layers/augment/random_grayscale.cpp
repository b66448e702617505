#include <minidl/layers/augment/random_grayscale.hpp>

#include <algorithm>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>

namespace minidl {

void to_grayscale(const float* in, float* out, Index pixels) {
  for (Index p = 0; p < pixels; ++p) {
    const float g = gray_of(in + 3 * p);
    out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = g;
  }
}

RandomGrayscale::RandomGrayscale(float factor, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), probability_(factor) {
  if (!(factor >= 0.0f && factor <= 1.0f)) {
    throw Error(fmt::format("RandomGrayscale: factor is a probability in [0, 1], got {}", factor));
  }
}

Shape RandomGrayscale::build_impl(const Shape& s) {
  check_rgb(s, label());
  return AugmentationLayer::build_impl(s);
}

void RandomGrayscale::draw(Index n, const SampleStreams& streams) {
  applied_.assign(std::size_t(n), false);
  for (Index i = 0; i < n; ++i) applied_[std::size_t(i)] = streams(i).uniform() < probability_;
}

void RandomGrayscale::transform(Index i, const float* in, float* out) const {
  const Index pixels = height() * width();
  if (applied_[std::size_t(i)]) {
    to_grayscale(in, out, pixels);
  } else {
    std::copy(in, in + 3 * pixels, out);
  }
}

Json RandomGrayscale::get_config() const {
  return {{"factor", probability_}};
}

RandomGrayscale RandomGrayscale::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return RandomGrayscale(config.number("factor", 0.5f), config.seed());
}

}  // namespace minidl
