#include <minidl/layers/global_max_pooling2d.hpp>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

// Pixel indices are stored as float: every integer up to 2^24 is exact.
constexpr Index kMaxPixels = Index{1} << 24;
// Below this many input elements one thread is faster than waking an OpenMP team.
constexpr Index kParallelElements = 1 << 15;

}  // namespace

Shape GlobalMaxPooling2D::build_impl(const Shape& s) {
  check_image_sample(s);
  if (s[0] * s[1] > kMaxPixels || s[0] * s[1] < 1) {
    throw Error(fmt::format("{}: expected between 1 and 2^24 pixels per image, got {}", label(),
                            s.str_batched()));
  }
  if (keepdims_) return Shape{1, 1, s[2]};
  return Shape{s[2]};
}

Tensor GlobalMaxPooling2D::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0), pixels = x.dim(1) * x.dim(2), c = x.dim(3);
  Tensor y(output_shape().with_batch(n));
  if (training) argmax_ = Tensor(Shape{n, c});
  float* arg_all = training ? argmax_.data() : nullptr;
#pragma omp parallel for schedule(static) if (x.size() >= kParallelElements)
  for (Index b = 0; b < n; ++b) {
    // image (pixels, C), best (C): a running maximum over the pixels, a vector op over channels.
    const float* image = x.data() + b * pixels * c;
    float* best = y.data() + b * c;
    float* arg = arg_all ? arg_all + b * c : nullptr;
    for (Index ch = 0; ch < c; ++ch) best[ch] = image[ch];
    if (arg) {
      for (Index ch = 0; ch < c; ++ch) arg[ch] = 0.0f;
      for (Index p = 1; p < pixels; ++p) {
        const float* src = image + p * c;
        const auto index = static_cast<float>(p);
        // Strictly greater: a tie keeps the earlier pixel.
        for (Index ch = 0; ch < c; ++ch) {
          const bool take = src[ch] > best[ch];
          arg[ch] = take ? index : arg[ch];
          best[ch] = take ? src[ch] : best[ch];
        }
      }
    } else {
      for (Index p = 1; p < pixels; ++p) {
        const float* src = image + p * c;
        for (Index ch = 0; ch < c; ++ch) best[ch] = src[ch] > best[ch] ? src[ch] : best[ch];
      }
    }
  }
  return y;
}

Tensor GlobalMaxPooling2D::backward(const Tensor& dy) {
  check_backward(batch_of(argmax_), dy);
  const Index n = dy.dim(0), c = input_shape()[2];
  const Index pixels = input_shape()[0] * input_shape()[1];
  Tensor dx = Tensor::zeros(input_shape().with_batch(n));
#pragma omp parallel for schedule(static) if (dx.size() >= kParallelElements)
  for (Index b = 0; b < n; ++b) {
    float* image = dx.data() + b * pixels * c;
    const float* g = dy.data() + b * c;
    const float* arg = argmax_.data() + b * c;
    for (Index ch = 0; ch < c; ++ch) image[static_cast<Index>(arg[ch]) * c + ch] = g[ch];
  }
  return dx;
}

Json GlobalMaxPooling2D::get_config() const {
  return {{"data_format", "channels_last"}, {"keepdims", keepdims_}};
}

GlobalMaxPooling2D GlobalMaxPooling2D::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return GlobalMaxPooling2D(config.boolean("keepdims", false));
}

}  // namespace minidl
