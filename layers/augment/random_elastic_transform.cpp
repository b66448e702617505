#include <minidl/layers/augment/random_elastic_transform.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/augment/detail/resample.hpp>
#include <minidl/layers/augment/random_gaussian_blur.hpp>

namespace minidl {

void displace(const float* in, float* out, Index h, Index w, Index c, const float* dx,
              const float* dy, const Resampling& r) {
  detail::resample_image(
      in, out, h, w, c,
      [&](Index x, Index y) {
        const Index p = y * w + x;
        return std::pair<float, float>(float(x) + dx[p], float(y) + dy[p]);
      },
      r);
}

RandomElasticTransform::RandomElasticTransform(float factor, FactorRange scale,
                                               const std::string& interpolation,
                                               const std::string& fill_mode, float fill_value,
                                               ValueRange value_range,
                                               std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      probability_(factor),
      scale_(from_zero(scale)),
      resampling_{parse_interpolation(interpolation, "RandomElasticTransform"),
                  parse_fill_mode(fill_mode, "RandomElasticTransform"), fill_value},
      range_(value_range) {
  if (!(factor >= 0.0f && factor <= 1.0f)) {
    throw Error(
        fmt::format("RandomElasticTransform: factor is a probability in [0, 1], got {}", factor));
  }
  check_range("scale", scale_, 0.0f, 1.0f);
  check_value_range(range_, "RandomElasticTransform");
}

void RandomElasticTransform::draw(Index n, const SampleStreams& streams) {
  draws_.assign(std::size_t(n), Draw{});
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    if (!(rng.uniform() < probability_)) continue;
    const float s = rng.uniform(scale_.lower, scale_.upper);
    draws_[std::size_t(i)] = {s, rng.next_u64()};
  }
}

Tensor RandomElasticTransform::field(const Draw& d) const {
  const Index h = height(), w = width(), pixels = h * w;
  const float alpha = 0.1f * d.strength * float(std::max(h, w));
  const float sigma = 0.05f * d.strength * float(std::min(h, w));
  // (H,W,2): dx and dy interleaved, so that one blur smooths both. Tensors, not vectors: pooled,
  // so that large images do not fault in fresh pages every time.
  Tensor noise(Shape{2 * pixels}), smooth(Shape{2 * pixels});
  Generator rng(d.field_seed);
  rng.fill_normal(noise.data(), noise.size());
  const Index radius = static_cast<Index>(std::ceil(3.0f * sigma));
  const Index kernel = std::min(2 * radius + 1, 2 * ((std::min(h, w) - 1) / 2) + 1);
  const ValueRange unbounded(std::numeric_limits<float>::lowest(),
                             std::numeric_limits<float>::max());
  if (sigma > 0.0f && kernel > 1) {
    gaussian_blur(noise.data(), smooth.data(), h, w, 2, kernel, sigma, sigma, unbounded);
  } else {
    smooth = std::move(noise);
  }
  Tensor out(Shape{2 * pixels});
  for (Index p = 0; p < pixels; ++p) {
    out[p] = alpha * smooth[2 * p];
    out[pixels + p] = alpha * smooth[2 * p + 1];
  }
  return out;
}

void RandomElasticTransform::transform(Index i, const float* in, float* out) const {
  const Draw& d = draws_[std::size_t(i)];
  const Index size = height() * width() * channels();
  if (d.strength == 0.0f) {
    std::copy(in, in + size, out);
    return;
  }
  const Tensor f = field(d);
  displace(in, out, height(), width(), channels(), f.data(), f.data() + height() * width(),
           resampling_);
  for (Index k = 0; k < size; ++k) out[k] = std::clamp(out[k], range_.low, range_.high);
}

void RandomElasticTransform::transform_mask(Index i, const float* in, float* out,
                                            float fill) const {
  const Draw& d = draws_[std::size_t(i)];
  if (d.strength == 0.0f) {
    std::copy(in, in + height() * width(), out);
    return;
  }
  const Tensor f = field(d);
  displace(in, out, height(), width(), 1, f.data(), f.data() + height() * width(),
           {Interpolation::Nearest, resampling_.fill_mode, fill});
}

void RandomElasticTransform::transform_boxes(Index i,
                                             std::vector<std::array<float, 4>>& boxes) const {
  const Draw& d = draws_[std::size_t(i)];
  if (d.strength == 0.0f || boxes.empty()) return;
  const Index h = height(), w = width();
  const Tensor f = field(d);
  for (auto& b : boxes) {
    // Every output pixel whose sample point falls in the box belongs to it.
    float x1 = std::numeric_limits<float>::max(), y1 = x1;
    float x2 = std::numeric_limits<float>::lowest(), y2 = x2;
    for (Index y = 0; y < h; ++y) {
      for (Index x = 0; x < w; ++x) {
        // The sample point in edge coordinates (pixel centres at + 0.5).
        const float sx = float(x) + f[y * w + x] + 0.5f;
        const float sy = float(y) + f[h * w + y * w + x] + 0.5f;
        if (sx < b[0] || sx > b[2] || sy < b[1] || sy > b[3]) continue;
        x1 = std::min(x1, float(x)), x2 = std::max(x2, float(x + 1));
        y1 = std::min(y1, float(y)), y2 = std::max(y2, float(y + 1));
      }
    }
    b = x1 <= x2 ? std::array<float, 4>{x1, y1, x2, y2} : std::array<float, 4>{0, 0, 0, 0};
  }
}

Json RandomElasticTransform::get_config() const {
  return {{"factor", probability_},
          {"scale", {scale_.lower, scale_.upper}},
          {"interpolation", interpolation_name(resampling_.interpolation)},
          {"fill_mode", fill_mode_name(resampling_.fill_mode)},
          {"fill_value", resampling_.fill_value},
          {"value_range", {range_.low, range_.high}}};
}

RandomElasticTransform RandomElasticTransform::from_config(const LayerConfig& config) {
  require_channels_last(config);
  FactorRange scale = 1.0f;
  if (config.has("scale")) {
    const auto [low, high] = config.range("scale");
    scale = FactorRange(low, high);
  }
  return RandomElasticTransform(
      probability_of(config, "factor", 0.5f), scale, config.string("interpolation", "bilinear"),
      config.string("fill_mode", "reflect"), config.number("fill_value", 0.0f),
      value_range_of(config), config.seed());
}

}  // namespace minidl
