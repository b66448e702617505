#include <minidl/layers/depthwise_conv2d.hpp>

#include <algorithm>
#include <cstring>

#include <omp.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/initializers.hpp>

namespace minidl {
namespace {

// The taps [begin, end) of a window starting at input position `first` (negative inside the
// leading padding) that fall inside an axis of `size` elements.
struct Taps {
  Index begin, end;
};
Taps taps_inside(Index first, Index window, Index size) {
  return {std::max<Index>(0, -first), std::min(window, size - first)};
}

}  // namespace

DepthwiseConv2D::DepthwiseConv2D(Size2 kernel_size, Size2 strides, const std::string& padding,
                                 Index depth_multiplier, const std::string& activation,
                                 bool use_bias)
    : kernel_size_(kernel_size),
      strides_(strides),
      padding_(parse_padding(padding, "DepthwiseConv2D")),
      depth_multiplier_(depth_multiplier),
      activation_(parse_activation(activation, "DepthwiseConv2D")),
      use_bias_(use_bias) {
  if (depth_multiplier < 1) {
    throw Error("DepthwiseConv2D: depth_multiplier must be >= 1, got " +
                std::to_string(depth_multiplier));
  }
  check_window_args("DepthwiseConv2D", "kernel_size", kernel_size, strides);
}

Shape DepthwiseConv2D::build_impl(const Shape& s) {
  check_image_sample(s);
  const auto [rows, cols] = window_2d(label(), s, kernel_size_, strides_, padding_, "kernel");
  const Index cout = s[2] * depth_multiplier_;
  g_ = {s[0],           s[1],           s[2],       rows.out,   cols.out,        cout,
        kernel_size_.h, kernel_size_.w, strides_.h, strides_.w, rows.pad_before, cols.pad_before};
  // Keras computes the fans of any rank-4 kernel as (KH*KW*shape[2], KH*KW*shape[3]).
  Generator init(seed());
  const Index taps = g_.kh * g_.kw;
  kernel_.value = glorot_uniform(Shape{g_.kh, g_.kw, g_.cin, depth_multiplier_}, taps * g_.cin,
                                 taps * depth_multiplier_, init);
  kernel_.grad = Tensor::zeros(kernel_.value.shape());
  if (use_bias_) {
    bias_.value = Tensor::zeros(Shape{cout});
    bias_.grad = Tensor::zeros(Shape{cout});
  }
  return Shape{g_.oh, g_.ow, cout};
}

std::vector<Parameter*> DepthwiseConv2D::parameters() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

void DepthwiseConv2D::expand_image(const float* image, float* expanded) const {
  const Index m = depth_multiplier_;
  for (Index p = 0; p < g_.h * g_.w; ++p) {
    const float* src = image + p * g_.cin;
    float* dst = expanded + p * g_.cout;
    for (Index c = 0; c < g_.cin; ++c) {
      for (Index j = 0; j < m; ++j) dst[c * m + j] = src[c];
    }
  }
}

void DepthwiseConv2D::fold_image(const float* dexpanded, float* dx) const {
  const Index m = depth_multiplier_;
  for (Index p = 0; p < g_.h * g_.w; ++p) {
    const float* src = dexpanded + p * g_.cout;
    float* dst = dx + p * g_.cin;
    for (Index c = 0; c < g_.cin; ++c) {
      float s = 0.0f;
      for (Index j = 0; j < m; ++j) s += src[c * m + j];
      dst[c] = s;
    }
  }
}

// Every output pixel starts at the bias and adds one contiguous product per tap inside the image.
void DepthwiseConv2D::forward_image(const float* src, float* out) const {
  const Index cm = g_.cout;
  const float* kernel = kernel_.value.data();
  const float* bias = use_bias_ ? bias_.value.data() : nullptr;
  for (Index oy = 0; oy < g_.oh; ++oy) {
    const Index y0 = oy * g_.sh - g_.pad_top;
    const Taps ty = taps_inside(y0, g_.kh, g_.h);
    for (Index ox = 0; ox < g_.ow; ++ox) {
      const Index x0 = ox * g_.sw - g_.pad_left;
      const Taps tx = taps_inside(x0, g_.kw, g_.w);
      float* __restrict acc = out + (oy * g_.ow + ox) * cm;
      for (Index o = 0; o < cm; ++o) acc[o] = bias ? bias[o] : 0.0f;
      for (Index ky = ty.begin; ky < ty.end; ++ky) {
        for (Index kx = tx.begin; kx < tx.end; ++kx) {
          const float* __restrict in = src + ((y0 + ky) * g_.w + x0 + kx) * cm;
          const float* __restrict k = kernel + (ky * g_.kw + kx) * cm;
          for (Index o = 0; o < cm; ++o) acc[o] += in[o] * k[o];
        }
      }
    }
  }
}

void DepthwiseConv2D::backward_image(const float* src, const float* dz, float* dk,
                                     float* dsrc) const {
  const Index cm = g_.cout;
  const float* kernel = kernel_.value.data();
  for (Index oy = 0; oy < g_.oh; ++oy) {
    const Index y0 = oy * g_.sh - g_.pad_top;
    const Taps ty = taps_inside(y0, g_.kh, g_.h);
    for (Index ox = 0; ox < g_.ow; ++ox) {
      const Index x0 = ox * g_.sw - g_.pad_left;
      const Taps tx = taps_inside(x0, g_.kw, g_.w);
      const float* __restrict g = dz + (oy * g_.ow + ox) * cm;
      for (Index ky = ty.begin; ky < ty.end; ++ky) {
        for (Index kx = tx.begin; kx < tx.end; ++kx) {
          const Index pixel = (y0 + ky) * g_.w + x0 + kx, tap = (ky * g_.kw + kx) * cm;
          const float* __restrict in = src + pixel * cm;
          float* __restrict dkt = dk + tap;
          for (Index o = 0; o < cm; ++o) dkt[o] += in[o] * g[o];
          if (dsrc) {
            const float* __restrict k = kernel + tap;
            float* __restrict d = dsrc + pixel * cm;
            for (Index o = 0; o < cm; ++o) d[o] += k[o] * g[o];
          }
        }
      }
    }
  }
}

Tensor DepthwiseConv2D::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0), in_size = g_.h * g_.w * g_.cin, out_size = g_.oh * g_.ow * g_.cout;
  const bool expand = depth_multiplier_ > 1;
  Tensor y(Shape{n, g_.oh, g_.ow, g_.cout});
#pragma omp parallel if (n > 1)
  {
    Tensor expanded(Shape{expand ? g_.h * g_.w * g_.cout : 0});
#pragma omp for schedule(static)
    for (Index i = 0; i < n; ++i) {
      const float* image = x.data() + i * in_size;
      float* out = y.data() + i * out_size;
      if (expand) expand_image(image, expanded.data());
      forward_image(expand ? expanded.data() : image, out);
      activation_forward(activation_, out, out_size, g_.cout);  // while the image is in cache
    }
  }
  if (training) {
    input_ = x.share();
    output_ = y.share();
  }
  return y;
}

Tensor DepthwiseConv2D::backward(const Tensor& dy) {
  check_backward(batch_of(input_), dy);
  const Index n = dy.dim(0), in_size = g_.h * g_.w * g_.cin, out_size = g_.oh * g_.ow * g_.cout;
  const Index cm = g_.cout, expanded_size = g_.h * g_.w * cm;
  const bool need_dx = input_gradient(), expand = depth_multiplier_ > 1;
  Tensor dx = need_dx ? Tensor(input_.shape()) : Tensor();
  // Per-thread partial gradients of kernel and bias, summed in thread order afterwards:
  // deterministic for a given thread count.
  const int threads = omp_get_max_threads();
  std::vector<Tensor> kernel_partial(threads), bias_partial(threads);
#pragma omp parallel if (n > 1)
  {
    const int t = omp_get_thread_num();
    Tensor& dk = kernel_partial[t];
    Tensor& db = bias_partial[t];
    dk = Tensor::zeros(kernel_.value.shape());
    db = Tensor::zeros(Shape{cm});
    Tensor expanded(Shape{expand ? expanded_size : 0});
    Tensor dexpanded(Shape{expand && need_dx ? expanded_size : 0});
    Tensor dz(Shape{out_size});
#pragma omp for schedule(static)
    for (Index i = 0; i < n; ++i) {
      // dz (OH,OW,CM) = dy * f'(y) for this image.
      activation_backward(activation_, output_.data() + i * out_size, dy.data() + i * out_size,
                          dz.data(), out_size, cm);
      if (use_bias_) {
        for (Index p = 0; p < g_.oh * g_.ow; ++p) {
          for (Index o = 0; o < cm; ++o) db[o] += dz[p * cm + o];
        }
      }
      const float* image = input_.data() + i * in_size;
      if (expand) expand_image(image, expanded.data());
      // With M = 1 the input gradient is accumulated straight into dx.
      float* dsrc = nullptr;
      if (need_dx) {
        dsrc = expand ? dexpanded.data() : dx.data() + i * in_size;
        std::memset(dsrc, 0, expanded_size * sizeof(float));
      }
      backward_image(expand ? expanded.data() : image, dz.data(), dk.data(), dsrc);
      if (need_dx && expand) fold_image(dexpanded.data(), dx.data() + i * in_size);
    }
  }
  for (int t = 0; t < threads; ++t) {
    if (kernel_partial[t].empty()) continue;  // a thread the team did not use
    for (Index i = 0; i < kernel_.grad.size(); ++i) kernel_.grad[i] += kernel_partial[t][i];
    if (use_bias_) {
      for (Index o = 0; o < cm; ++o) bias_.grad[o] += bias_partial[t][o];
    }
  }
  return dx;
}

Json DepthwiseConv2D::get_config() const {
  return {{"kernel_size", {kernel_size_.h, kernel_size_.w}},
          {"strides", {strides_.h, strides_.w}},
          {"padding", padding_name(padding_)},
          {"depth_multiplier", depth_multiplier_},
          {"data_format", "channels_last"},
          {"dilation_rate", {1, 1}},
          {"activation", activation_name(activation_)},
          {"use_bias", use_bias_}};
}

DepthwiseConv2D DepthwiseConv2D::from_config(const LayerConfig& config) {
  require_plain_convolution(config);
  const auto [kh, kw] = config.pair("kernel_size");
  const auto [sh, sw] = config.pair("strides");
  return DepthwiseConv2D(Size2(kh, kw), Size2(sh, sw), config.string("padding", "valid"),
                         config.integer("depth_multiplier", 1),
                         config.string("activation", "linear"), config.boolean("use_bias", true));
}

}  // namespace minidl
