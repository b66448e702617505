#include <minidl/layers/augment/random_resized_crop.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/detail/resample.hpp>

namespace minidl {

RandomResizedCrop::RandomResizedCrop(Index height, Index width, FactorRange scale,
                                     FactorRange ratio, const std::string& interpolation,
                                     std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      out_h_(height),
      out_w_(width),
      scale_(scale),
      ratio_(ratio),
      resampling_{parse_interpolation(interpolation, "RandomResizedCrop"), FillMode::Nearest,
                  0.0f} {
  if (height < 1 || width < 1) {
    throw Error(fmt::format("RandomResizedCrop: height and width must be >= 1, got ({},{})", height,
                            width));
  }
  if (!(scale_.lower > 0.0f && scale_.lower <= scale_.upper && scale_.upper <= 1.0f)) {
    throw Error(
        fmt::format("RandomResizedCrop: scale must be a range of area fractions in (0, 1], "
                    "got ({}, {})",
                    scale_.lower, scale_.upper));
  }
  if (!(ratio_.lower > 0.0f && ratio_.lower <= ratio_.upper)) {
    throw Error(
        fmt::format("RandomResizedCrop: ratio must be a range of aspect ratios > 0, got "
                    "({}, {})",
                    ratio_.lower, ratio_.upper));
  }
}

Shape RandomResizedCrop::build_impl(const Shape& s) {
  AugmentationLayer::build_impl(s);
  return Shape{out_h_, out_w_, s[2]};
}

void RandomResizedCrop::draw(Index n, const SampleStreams& streams) {
  crops_.resize(std::size_t(n));
  const Index h = height(), w = width();
  const double log_low = std::log(ratio_.lower), log_high = std::log(ratio_.upper);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    Crop& c = crops_[std::size_t(i)];
    c = Crop{};
    for (int attempt = 0; attempt < 10 && c.height == 0; ++attempt) {
      const double area = double(h * w) * rng.uniform(scale_.lower, scale_.upper);
      const double aspect = std::exp(log_low + (log_high - log_low) * rng.uniform_double());
      const auto cw = static_cast<Index>(std::lround(std::sqrt(area * aspect)));
      const auto ch = static_cast<Index>(std::lround(std::sqrt(area / aspect)));
      if (cw < 1 || ch < 1 || cw > w || ch > h) continue;
      c = {static_cast<Index>(rng.below(std::uint64_t(h - ch + 1))),
           static_cast<Index>(rng.below(std::uint64_t(w - cw + 1))), ch, cw};
    }
    if (c.height > 0) continue;
    // No try fitted: the whole image, narrowed to the nearest aspect ratio in range.
    const double aspect = double(w) / double(h);
    Index cw = w, ch = h;
    if (aspect < ratio_.lower) ch = std::max<Index>(1, std::lround(w / double(ratio_.lower)));
    if (aspect > ratio_.upper) cw = std::max<Index>(1, std::lround(h * double(ratio_.upper)));
    c = {(h - ch) / 2, (w - cw) / 2, ch, cw};
  }
}

void RandomResizedCrop::crop_and_resize(const float* in, float* out, Index channels, const Crop& c,
                                        const Resampling& resampling) const {
  // Resizing's sampling (pixel centres, clamped to the crop) inside the crop.
  const float sy = float(c.height) / float(out_h_), sx = float(c.width) / float(out_w_);
  detail::resample_image(
      in, out, height(), width(), channels, out_h_, out_w_,
      [&](Index x, Index y) {
        const float px = std::clamp((float(x) + 0.5f) * sx - 0.5f, 0.0f, float(c.width - 1));
        const float py = std::clamp((float(y) + 0.5f) * sy - 0.5f, 0.0f, float(c.height - 1));
        return std::pair<float, float>(float(c.left) + px, float(c.top) + py);
      },
      resampling);
}

void RandomResizedCrop::transform(Index i, const float* in, float* out) const {
  crop_and_resize(in, out, channels(), crops_[std::size_t(i)], resampling_);
}

void RandomResizedCrop::transform_mask(Index i, const float* in, float* out, float) const {
  crop_and_resize(in, out, 1, crops_[std::size_t(i)],
                  {Interpolation::Nearest, FillMode::Nearest, 0.0f});
}

void RandomResizedCrop::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  const Crop& c = crops_[std::size_t(i)];
  const float sx = float(out_w_) / float(c.width), sy = float(out_h_) / float(c.height);
  for (auto& b : boxes) {
    b = {(b[0] - c.left) * sx, (b[1] - c.top) * sy, (b[2] - c.left) * sx, (b[3] - c.top) * sy};
  }
}

void RandomResizedCrop::prepare_inference(Index n) {
  crops_.assign(std::size_t(n), centre_crop());
}

RandomResizedCrop::Crop RandomResizedCrop::centre_crop() const {
  // The largest centred window of the output's aspect ratio.
  const Index h = height(), w = width();
  Crop centre{0, 0, h, w};
  if (w * out_h_ > h * out_w_) {
    centre.width = std::max<Index>(1, std::lround(double(h) * out_w_ / out_h_));
  } else {
    centre.height = std::max<Index>(1, std::lround(double(w) * out_h_ / out_w_));
  }
  centre.top = (h - centre.height) / 2;
  centre.left = (w - centre.width) / 2;
  return centre;
}

Tensor RandomResizedCrop::forward(const Tensor& x, bool training) {
  check_input(x);
  if (training) {
    draw(x.dim(0), next_sample_streams());
    return transform_batch(x);
  }
  // Computed here, not stored, so that predict from several threads writes no layer state.
  const Crop centre = centre_crop();
  const Index n = x.dim(0), in_size = height() * width() * channels();
  const Index out_size = output_shape().size();
  Tensor y(output_shape().with_batch(n));
#pragma omp parallel for schedule(static) if (n * out_size >= (1 << 15))
  for (Index i = 0; i < n; ++i) {
    crop_and_resize(x.data() + i * in_size, y.data() + i * out_size, channels(), centre,
                    resampling_);
  }
  return y;
}

Tensor RandomResizedCrop::backward(const Tensor&) {
  throw Error(label() + ": has no gradient; place it before the layers with weights");
}

Json RandomResizedCrop::get_config() const {
  return {{"height", out_h_},
          {"width", out_w_},
          {"scale", {scale_.lower, scale_.upper}},
          {"ratio", {ratio_.lower, ratio_.upper}},
          {"interpolation", interpolation_name(resampling_.interpolation)}};
}

RandomResizedCrop RandomResizedCrop::from_config(const LayerConfig& config) {
  require_channels_last(config);
  auto range = [&](const char* key, FactorRange fallback) {
    if (!config.has(key)) return fallback;
    const auto [low, high] = config.range(key);
    return FactorRange(low, high);
  };
  return RandomResizedCrop(config.integer("height"), config.integer("width"),
                           range("scale", {0.08f, 1.0f}), range("ratio", {0.75f, 4.0f / 3.0f}),
                           config.string("interpolation", "bilinear"), config.seed());
}

}  // namespace minidl
