#include <minidl/layers/average_pooling2d.hpp>

namespace minidl {

Tensor AveragePooling2D::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0);
  Tensor y(Shape{n, oh_, ow_, c_});
#pragma omp parallel for collapse(2) schedule(static) if (parallel_worth_it(n))
  for (Index b = 0; b < n; ++b) {
    for (Index oy = 0; oy < oh_; ++oy) {
      const float* image = x.data() + b * h_ * w_ * c_;
      for (Index ox = 0; ox < ow_; ++ox) {
        float* out = y.data() + ((b * oh_ + oy) * ow_ + ox) * c_;
        const Window win = window(oy, ox);
        for (Index c = 0; c < c_; ++c) out[c] = 0.0f;
        for (Index iy = win.y0; iy < win.y1; ++iy) {
          for (Index ix = win.x0; ix < win.x1; ++ix) {
            const float* src = image + (iy * w_ + ix) * c_;
            for (Index c = 0; c < c_; ++c) out[c] += src[c];
          }
        }
        const float scale = 1.0f / static_cast<float>(win.count());
        for (Index c = 0; c < c_; ++c) out[c] *= scale;
      }
    }
  }
  if (training) cached_batch_ = n;
  return y;
}

Tensor AveragePooling2D::backward(const Tensor& dy) {
  check_backward(cached_batch_, dy);
  const Index n = dy.dim(0);
  Tensor dx = Tensor::zeros(input_shape().with_batch(n));
#pragma omp parallel for schedule(static) if (parallel_worth_it(n))
  for (Index b = 0; b < n; ++b) {
    float* image = dx.data() + b * h_ * w_ * c_;
    for (Index oy = 0; oy < oh_; ++oy) {
      for (Index ox = 0; ox < ow_; ++ox) {
        const float* g = dy.data() + ((b * oh_ + oy) * ow_ + ox) * c_;
        const Window win = window(oy, ox);
        const float scale = 1.0f / static_cast<float>(win.count());
        for (Index iy = win.y0; iy < win.y1; ++iy) {
          for (Index ix = win.x0; ix < win.x1; ++ix) {
            float* dst = image + (iy * w_ + ix) * c_;
            for (Index c = 0; c < c_; ++c) dst[c] += g[c] * scale;
          }
        }
      }
    }
  }
  return dx;
}

AveragePooling2D AveragePooling2D::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [h, w] = config.pair("pool_size");
  return AveragePooling2D(Size2(h, w), strides_of(config), config.string("padding", "valid"));
}

}  // namespace minidl
