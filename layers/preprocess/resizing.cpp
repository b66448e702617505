#include <minidl/layers/preprocess/resizing.hpp>

#include <algorithm>
#include <cmath>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

std::vector<Resizing::Tap> axis_taps(Index in, Index out, Interpolation interpolation) {
  std::vector<Resizing::Tap> taps(out);
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (Index i = 0; i < out; ++i) {
    if (interpolation == Interpolation::Nearest) {
      const Index src = std::min(in - 1, static_cast<Index>(std::floor((i + 0.5) * scale)));
      taps[i] = {src, src, 0.0f};
      continue;
    }
    const double s = std::clamp((i + 0.5) * scale - 0.5, 0.0, static_cast<double>(in - 1));
    const Index lo = static_cast<Index>(std::floor(s));
    taps[i] = {lo, std::min(lo + 1, in - 1), static_cast<float>(s - lo)};
  }
  return taps;
}

// y (N,rows,cols,C) from x (N,H,W,C) through the taps of each axis.
void resample(const Tensor& x, const std::vector<Resizing::Tap>& rows,
              const std::vector<Resizing::Tap>& cols, Tensor& y) {
  const Index n = x.dim(0), w = x.dim(2), c = x.dim(3);
  const Index out_h = static_cast<Index>(rows.size()), out_w = static_cast<Index>(cols.size());
  for (Index b = 0; b < n; ++b) {
    const float* image = x.data() + b * x.dim(1) * w * c;
    for (Index i = 0; i < out_h; ++i) {
      const Resizing::Tap r = rows[i];
      for (Index j = 0; j < out_w; ++j) {
        const Resizing::Tap col = cols[j];
        float* out = y.data() + ((b * out_h + i) * out_w + j) * c;
        const float* p00 = image + (r.first * w + col.first) * c;
        const float* p01 = image + (r.first * w + col.second) * c;
        const float* p10 = image + (r.second * w + col.first) * c;
        const float* p11 = image + (r.second * w + col.second) * c;
        for (Index k = 0; k < c; ++k) {
          const float top = p00[k] + col.frac * (p01[k] - p00[k]);
          const float bottom = p10[k] + col.frac * (p11[k] - p10[k]);
          out[k] = top + r.frac * (bottom - top);
        }
      }
    }
  }
}

}  // namespace

Tensor resize_images(const Tensor& images, Index height, Index width, Interpolation interpolation) {
  if (images.rank() != 4 || height < 1 || width < 1) {
    throw Error("resize_images: expected images (N,H,W,C) and a size >= 1, got " +
                images.shape().str() + " to (" + std::to_string(height) + "," +
                std::to_string(width) + ")");
  }
  Tensor y(Shape{images.dim(0), height, width, images.dim(3)});
  resample(images, axis_taps(images.dim(1), height, interpolation),
           axis_taps(images.dim(2), width, interpolation), y);
  return y;
}

Resizing::Resizing(Index height, Index width, const std::string& interpolation)
    : out_h_(height),
      out_w_(width),
      interpolation_(parse_interpolation(interpolation, "Resizing")) {
  if (height < 1 || width < 1) {
    throw Error("Resizing: height and width must be >= 1, got (" + std::to_string(height) + "," +
                std::to_string(width) + ")");
  }
}

Shape Resizing::build_impl(const Shape& s) {
  check_image_sample(s);
  rows_ = axis_taps(s[0], out_h_, interpolation_);
  cols_ = axis_taps(s[1], out_w_, interpolation_);
  return Shape{out_h_, out_w_, s[2]};
}

Tensor Resizing::forward(const Tensor& x, bool /*training*/) {
  check_input(x);
  Tensor y(output_shape().with_batch(x.dim(0)));
  resample(x, rows_, cols_, y);
  return y;
}

Tensor Resizing::backward(const Tensor& dy) {
  check_gradient_shape(dy);
  const Index n = dy.dim(0), h = input_shape()[0], w = input_shape()[1], c = input_shape()[2];
  Tensor dx = Tensor::zeros(input_shape().with_batch(n));
  for (Index b = 0; b < n; ++b) {
    float* image = dx.data() + b * h * w * c;
    for (Index i = 0; i < out_h_; ++i) {
      const Tap r = rows_[i];
      for (Index j = 0; j < out_w_; ++j) {
        const Tap col = cols_[j];
        const float* g = dy.data() + ((b * out_h_ + i) * out_w_ + j) * c;
        const float w00 = (1 - r.frac) * (1 - col.frac), w01 = (1 - r.frac) * col.frac;
        const float w10 = r.frac * (1 - col.frac), w11 = r.frac * col.frac;
        for (Index k = 0; k < c; ++k) {
          image[(r.first * w + col.first) * c + k] += w00 * g[k];
          image[(r.first * w + col.second) * c + k] += w01 * g[k];
          image[(r.second * w + col.first) * c + k] += w10 * g[k];
          image[(r.second * w + col.second) * c + k] += w11 * g[k];
        }
      }
    }
  }
  return dx;
}

Json Resizing::get_config() const {
  return {{"height", out_h_},
          {"width", out_w_},
          {"interpolation", interpolation_name(interpolation_)},
          {"crop_to_aspect_ratio", false},
          {"pad_to_aspect_ratio", false},
          {"antialias", false},
          {"data_format", "channels_last"}};
}

Resizing Resizing::from_config(const LayerConfig& config) {
  require_channels_last(config);
  config.require("crop_to_aspect_ratio", false, "minidl's Resizing stretches the image");
  config.require("pad_to_aspect_ratio", false, "minidl's Resizing stretches the image");
  config.require("antialias", false, "minidl's Resizing does not filter before downsampling");
  return Resizing(config.integer("height"), config.integer("width"),
                  config.string("interpolation", "bilinear"));
}

}  // namespace minidl
