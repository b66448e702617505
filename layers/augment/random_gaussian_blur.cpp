#include <minidl/layers/augment/random_gaussian_blur.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/augment/detail/resample.hpp>

namespace minidl {
namespace {

std::vector<float> gaussian_kernel(Index n, float sigma) {
  std::vector<float> k(static_cast<std::size_t>(n));
  float sum = 0.0f;
  for (Index i = 0; i < n; ++i) {
    const float t = (float(i) - 0.5f * float(n - 1)) / sigma;
    k[std::size_t(i)] = std::exp(-0.5f * t * t);
    sum += k[std::size_t(i)];
  }
  for (float& v : k) v /= sum;
  return k;
}

}  // namespace

void gaussian_blur(const float* in, float* out, Index h, Index w, Index c, Size2 kernel,
                   float sigma_x, float sigma_y, const ValueRange& range) {
  const std::vector<float> kx = gaussian_kernel(kernel.w, sigma_x);
  const std::vector<float> ky = gaussian_kernel(kernel.h, sigma_y);
  const Index rx = kernel.w / 2, ry = kernel.h / 2, row = w * c;
  // Separable: rows first into a buffer, then columns, two passes of n taps instead of n^2. Each
  // tap is one multiply-add over a whole row of contiguous floats (the horizontal pass reads a
  // copy of the row padded by reflection), which compilers vectorise for any channel count.
  std::vector<float> padded(std::size_t((w + 2 * rx) * c));
  // A Tensor, not a vector: pooled, so that large images do not fault in fresh pages each time.
  Tensor rows(Shape{h * row}, 0.0f);
  for (Index y = 0; y < h; ++y) {
    std::copy(in + y * row, in + (y + 1) * row, &padded[std::size_t(rx * c)]);
    for (Index x = 0; x < rx; ++x) {  // the reflected borders, rx pixels each side
      for (const Index at : {x, w + rx + x}) {
        const float* p = in + (y * w + detail::fix_index(at - rx, w, FillMode::Reflect)) * c;
        std::copy(p, p + c, &padded[std::size_t(at * c)]);
      }
    }
    float* o = rows.data() + y * row;
    for (Index t = 0; t < kernel.w; ++t) {
      const float weight = kx[std::size_t(t)];
      const float* p = &padded[std::size_t(t * c)];
      for (Index j = 0; j < row; ++j) o[j] += weight * p[j];
    }
  }
  for (Index y = 0; y < h; ++y) {
    float* o = out + y * row;
    std::fill(o, o + row, 0.0f);
    for (Index t = 0; t < kernel.h; ++t) {
      const float weight = ky[std::size_t(t)];
      const float* p = rows.data() + detail::fix_index(y + t - ry, h, FillMode::Reflect) * row;
      for (Index j = 0; j < row; ++j) o[j] += weight * p[j];
    }
    for (Index j = 0; j < row; ++j) o[j] = clamp_by_value(o[j], range.low, range.high);
  }
}

RandomGaussianBlur::RandomGaussianBlur(float factor, Size2 kernel_size, FactorRange sigma,
                                       ValueRange value_range, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      probability_(factor),
      kernel_(kernel_size),
      // A single sigma s arrives as (-s, s) and means s.
      sigma_(sigma.lower < 0.0f ? FactorRange(sigma.upper, sigma.upper) : sigma),
      range_(value_range) {
  if (!(factor >= 0.0f && factor <= 1.0f)) {
    throw Error(
        fmt::format("RandomGaussianBlur: factor is a probability in [0, 1], got {}", factor));
  }
  if (kernel_.h < 1 || kernel_.w < 1 || kernel_.h % 2 == 0 || kernel_.w % 2 == 0) {
    throw Error("RandomGaussianBlur: kernel_size must be odd and positive, got " + kernel_.str());
  }
  if (!(sigma_.lower > 0.0f && sigma_.lower <= sigma_.upper)) {
    throw Error(
        fmt::format("RandomGaussianBlur: sigma must be > 0 (a number or a range), got "
                    "({}, {})",
                    sigma.lower, sigma.upper));
  }
  check_value_range(range_, "RandomGaussianBlur");
}

void RandomGaussianBlur::draw(Index n, const SampleStreams& streams) {
  sigmas_.assign(std::size_t(n), {0.0f, 0.0f});
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    if (!(rng.uniform() < probability_)) continue;
    const float sx = rng.uniform(sigma_.lower, sigma_.upper);
    sigmas_[std::size_t(i)] = {sx, rng.uniform(sigma_.lower, sigma_.upper)};
  }
}

void RandomGaussianBlur::transform(Index i, const float* in, float* out) const {
  const auto [sx, sy] = sigmas_[std::size_t(i)];
  if (sx == 0.0f) {
    std::copy(in, in + height() * width() * channels(), out);
    return;
  }
  gaussian_blur(in, out, height(), width(), channels(), kernel_, sx, sy, range_);
}

Json RandomGaussianBlur::get_config() const {
  // Keras' kernel_size is (x, y): width first.
  return {{"factor", probability_},
          {"kernel_size", {kernel_.w, kernel_.h}},
          {"sigma", {sigma_.lower, sigma_.upper}},
          {"value_range", {range_.low, range_.high}}};
}

RandomGaussianBlur RandomGaussianBlur::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [kx, ky] =
      config.has("kernel_size") ? config.pair("kernel_size") : std::pair<Index, Index>(3, 3);
  FactorRange sigma = 1.0f;
  if (config.has("sigma")) {
    const auto [low, high] = config.range("sigma");
    sigma = FactorRange(low, high);
  }
  return RandomGaussianBlur(probability_of(config, "factor", 0.5f), Size2(ky, kx), sigma,
                            value_range_of(config), config.seed());
}

}  // namespace minidl
