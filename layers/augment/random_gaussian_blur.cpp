#include <minidl/layers/augment/random_gaussian_blur.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
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
  const Index rx = kernel.w / 2, ry = kernel.h / 2;
  // Rows first into a buffer, then columns: separable, two passes of n taps instead of n^2.
  std::vector<float> rows(std::size_t(h * w * c), 0.0f);
  for (Index y = 0; y < h; ++y) {
    for (Index x = 0; x < w; ++x) {
      float* o = &rows[std::size_t((y * w + x) * c)];
      for (Index t = 0; t < kernel.w; ++t) {
        const Index sx = detail::fix_index(x + t - rx, w, FillMode::Reflect);
        const float* p = in + (y * w + sx) * c;
        for (Index k = 0; k < c; ++k) o[k] += kx[std::size_t(t)] * p[k];
      }
    }
  }
  for (Index y = 0; y < h; ++y) {
    for (Index x = 0; x < w; ++x) {
      float* o = out + (y * w + x) * c;
      std::fill(o, o + c, 0.0f);
      for (Index t = 0; t < kernel.h; ++t) {
        const Index sy = detail::fix_index(y + t - ry, h, FillMode::Reflect);
        const float* p = &rows[std::size_t((sy * w + x) * c)];
        for (Index k = 0; k < c; ++k) o[k] += ky[std::size_t(t)] * p[k];
      }
      for (Index k = 0; k < c; ++k) o[k] = std::clamp(o[k], range.low, range.high);
    }
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
