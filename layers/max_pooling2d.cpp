#include <minidl/layers/max_pooling2d.hpp>

#include <algorithm>
#include <limits>

#include <minidl/core/error.hpp>
#include <minidl/layers/detail/max_pool_2x2.hpp>

namespace minidl {

bool MaxPooling2D::takes_2x2_kernels() const {
  return windows_tile_input() && pool_size().h == 2 && pool_size().w == 2 &&
         detail::suits_max_pool_2x2(c_);
}

void MaxPooling2D::pool_image(const float* image, float* out, const Maxima& maxima, Index b) const {
  const Index out_size = oh_ * ow_ * c_;
  // A training batch pools as pooled_batch chose, so that backward reads the record it wrote.
  if (pools_2x2(maxima)) {
    return detail::max_pool_2x2(image, h_, w_, c_, out,
                                maxima.windows ? maxima.windows + b * out_size : nullptr);
  }
  std::int32_t* arg_image = maxima.pixels ? maxima.pixels + b * out_size : nullptr;
  for (Index oy = 0; oy < oh_; ++oy) {
    for (Index ox = 0; ox < ow_; ++ox) {
      const Index out_offset = (oy * ow_ + ox) * c_;
      float* best = out + out_offset;
      std::int32_t* arg = arg_image ? arg_image + out_offset : nullptr;
      const Window win = window(oy, ox);
      for (Index c = 0; c < c_; ++c) best[c] = -std::numeric_limits<float>::infinity();
      for (Index iy = win.y0; iy < win.y1; ++iy) {
        for (Index ix = win.x0; ix < win.x1; ++ix) {
          const Index pixel = iy * w_ + ix;
          const float* src = image + pixel * c_;
          if (arg) {
            // Bit masks rather than `if`: a conditional store becomes a masked store behind a
            // branch per vector that the data decides, mispredicted half the time.
            const auto index = static_cast<std::int32_t>(pixel);
            for (Index c = 0; c < c_; ++c) {
              const std::int32_t take = -static_cast<std::int32_t>(src[c] > best[c]);
              arg[c] = (index & take) | (arg[c] & ~take);
              best[c] = std::max(best[c], src[c]);
            }
          } else {
            for (Index c = 0; c < c_; ++c) best[c] = std::max(best[c], src[c]);
          }
        }
      }
    }
  }
}

MaxPooling2D::Maxima MaxPooling2D::pooled_batch(Index n) {
  const auto size = static_cast<std::size_t>(n * oh_ * ow_ * c_);
  cached_batch_ = n;
  windows_recorded_ = takes_2x2_kernels();
  if (windows_recorded_) {
    windows_.resize(size);
    return {nullptr, windows_.data()};
  }
  argmax_.resize(size);
  return {argmax_.data(), nullptr};
}

Tensor MaxPooling2D::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0), in_size = h_ * w_ * c_, out_size = oh_ * ow_ * c_;
  Tensor y(Shape{n, oh_, ow_, c_});
  const Maxima maxima = training ? pooled_batch(n) : Maxima{};
#pragma omp parallel for schedule(static) if (parallel_worth_it(n))
  for (Index b = 0; b < n; ++b) {
    pool_image(x.data() + b * in_size, y.data() + b * out_size, maxima, b);
  }
  return y;
}

void MaxPooling2D::route_image(const float* dy, Index b, const float* relu_of, float* dx) const {
  if (windows_recorded_) {
    // The kernels recorded where the maximum was > 0: relu_of need not be read.
    return detail::route_max_pool_2x2(dy, windows_.data() + b * oh_ * ow_ * c_, relu_of != nullptr,
                                      h_, w_, c_, dx);
  }
  const std::int32_t* arg_image = argmax_.data() + b * oh_ * ow_ * c_;
  for (Index oy = 0; oy < oh_; ++oy) {
    for (Index ox = 0; ox < ow_; ++ox) {
      const Index o = (oy * ow_ + ox) * c_;
      const float* g = dy + o;
      const std::int32_t* arg = arg_image + o;
      const Window win = window(oy, ox);
      for (Index iy = win.y0; iy < win.y1; ++iy) {
        for (Index ix = win.x0; ix < win.x1; ++ix) {
          const auto pixel = static_cast<std::int32_t>(iy * w_ + ix);
          float* dst = dx + pixel * c_;
          // g[c] read whether or not it is taken: a select of loaded values vectorises
          // without masked loads (SSE2, AVX2).
          if (relu_of) {
            const float* out = relu_of + o;
            for (Index c = 0; c < c_; ++c) {
              const float taken = g[c];
              dst[c] = arg[c] == pixel && out[c] > 0.0f ? taken : 0.0f;
            }
          } else {
            for (Index c = 0; c < c_; ++c) {
              const float taken = g[c];
              dst[c] = arg[c] == pixel ? taken : 0.0f;
            }
          }
        }
      }
    }
  }
}

void MaxPooling2D::route_image_pairs(const float* dy, Index b, bool relu, Index width,
                                     bfloat16* pairs, float* sum) const {
  if (!windows_recorded_) {
    throw Error(label() + ": route_image_pairs needs a training batch pooled by the 2x2 kernels");
  }
  detail::route_max_pool_2x2_pairs(dy, windows_.data() + b * oh_ * ow_ * c_, relu, h_, w_, c_,
                                   width, pairs, sum);
}

Tensor MaxPooling2D::backward(const Tensor& dy) {
  check_backward(cached_batch_, dy);
  const Index n = dy.dim(0);
  if (windows_tile_input()) {
    // Every input pixel lies in exactly one window: write its gradient once, no zeroing pass.
    Tensor dx(input_shape().with_batch(n));
#pragma omp parallel for schedule(static) if (parallel_worth_it(n))
    for (Index b = 0; b < n; ++b) {
      route_image(dy.data() + b * oh_ * ow_ * c_, b, nullptr, dx.data() + b * h_ * w_ * c_);
    }
    return dx;
  }
  Tensor dx = Tensor::zeros(input_shape().with_batch(n));
  // Parallel over images: windows of one image may overlap (strides < pool_size), images do not.
#pragma omp parallel for schedule(static) if (parallel_worth_it(n))
  for (Index b = 0; b < n; ++b) {
    float* image = dx.data() + b * h_ * w_ * c_;
    for (Index o = b * oh_ * ow_; o < (b + 1) * oh_ * ow_; ++o) {
      const float* g = dy.data() + o * c_;
      const std::int32_t* arg = argmax_.data() + o * c_;
      for (Index c = 0; c < c_; ++c) image[arg[c] * c_ + c] += g[c];
    }
  }
  return dx;
}

MaxPooling2D MaxPooling2D::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [h, w] = config.pair("pool_size");
  return MaxPooling2D(Size2(h, w), strides_of(config), config.string("padding", "valid"));
}

}  // namespace minidl
