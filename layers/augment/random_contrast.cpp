#include <minidl/layers/augment/random_contrast.hpp>

#include <algorithm>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/detail/channel_rows.hpp>

namespace minidl {

void adjust_contrast(const float* in, float* out, Index h, Index w, Index c, float factor,
                     const ValueRange& range) {
  const std::vector<double> sums = detail::channel_sums(in, h, w, c);
  std::vector<float> mean(static_cast<std::size_t>(c));
  for (Index k = 0; k < c; ++k) mean[std::size_t(k)] = float(sums[std::size_t(k)] / double(h * w));
  const std::vector<float> m = detail::spread_over_row(mean, w);
  const float low = range.low, high = range.high;
  for (Index y = 0; y < h; ++y) {
    const float* src = in + y * w * c;
    float* dst = out + y * w * c;
    for (Index j = 0; j < w * c; ++j) {
      const float v = (src[j] - m[std::size_t(j)]) * factor + m[std::size_t(j)];
      dst[j] = v < low ? low : v > high ? high : v;
    }
  }
}

RandomContrast::RandomContrast(FactorRange factor, ValueRange value_range,
                               std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), range_(value_range) {
  // A single factor f arrives as (-f, f) and means [1 - f, 1 + f]; a pair (a, b) means
  // [1 - a, 1 + b]. Both bounds lie in [0, 1].
  lower_ = factor.lower < 0 ? -factor.lower : factor.lower;
  upper_ = factor.upper;
  if (!(lower_ >= 0.0f && lower_ <= 1.0f && upper_ >= 0.0f && upper_ <= 1.0f)) {
    throw Error(fmt::format("RandomContrast: factor must lie in [0, 1], got ({}, {})", factor.lower,
                            factor.upper));
  }
  check_value_range(range_, "RandomContrast");
}

void RandomContrast::draw(Index n, const SampleStreams& streams) {
  factors_.resize(n);
  for (Index i = 0; i < n; ++i) factors_[i] = streams(i).uniform(1.0f - lower_, 1.0f + upper_);
}

void RandomContrast::transform(Index i, const float* in, float* out) const {
  adjust_contrast(in, out, height(), width(), channels(), factors_[i], range_);
}

Json RandomContrast::get_config() const {
  return {{"factor", {lower_, upper_}}, {"value_range", {range_.low, range_.high}}};
}

RandomContrast RandomContrast::from_config(const LayerConfig& config) {
  // Keras' scalar factor f arrives as (-f, f), as the constructor takes it.
  const auto [low, high] = config.range("factor");
  return RandomContrast(FactorRange(low, high), value_range_of(config), config.seed());
}

}  // namespace minidl
