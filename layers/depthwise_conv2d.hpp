// DepthwiseConv2D: each input channel convolved with its own depth_multiplier filters, as Keras'
// DepthwiseConv2D (channels_last, no dilation):
//   y[n,oy,ox, c*M + m] = bias[c*M + m] + sum_{ky,kx} x[n, oy*sh+ky-pad_top, ox*sw+kx-pad_left, c]
//                                                   * kernel[ky,kx,c,m]           (M = multiplier)
//   x (N,H,W,C) -> y (N,OH,OW,C*M), OH/OW by conv_geometry.hpp ('valid' or TensorFlow's
//   asymmetric 'same'); kernel (KH,KW,C,M), Glorot-uniform with Keras' fans for that shape
//   (fan_in KH*KW*C, fan_out KH*KW*M); bias (C*M), zeros; an optional fused activation.
// Direct loops over one image at a time, the C*M output channels innermost, so that each kernel
// tap is one contiguous multiply-add over C*M floats (with M > 1 the image is first copied with
// every input channel repeated M times). Taps in the padding are skipped, never read as zeros.
// Images run in parallel on OpenMP threads.
// Same computation in training and inference; training only decides what is cached for backward.
#pragma once

#include <minidl/layers/activation_fn.hpp>
#include <minidl/layers/conv_geometry.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

class DepthwiseConv2D : public Layer {
 public:
  explicit DepthwiseConv2D(Size2 kernel_size, Size2 strides = 1,
                           const std::string& padding = "valid", Index depth_multiplier = 1,
                           const std::string& activation = "linear", bool use_bias = true);
  // DepthwiseConv2D({3, 5}): without this overload the braces could also make a temporary layer
  // (kernel 3, strides 5) to move from, and the call would be ambiguous.
  explicit DepthwiseConv2D(const Index (&kernel_size)[2])
      : DepthwiseConv2D(Size2(kernel_size[0], kernel_size[1])) {}

  std::string type() const override { return "DepthwiseConv2D"; }

  Json get_config() const override;

  static DepthwiseConv2D from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::vector<Parameter*> parameters() override;
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<DepthwiseConv2D>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&input_, &output_};
  }

  Parameter& kernel() { return kernel_; }
  Parameter& bias() { return bias_; }
  Index depth_multiplier() const { return depth_multiplier_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  // With M > 1: image (H,W,C) -> expanded (H,W,C*M), channel c copied to c*M .. c*M+M-1, so that
  // each kernel tap is one contiguous multiply-add over C*M floats. With M = 1 the image itself
  // is that source, uncopied.
  void expand_image(const float* image, float* expanded) const;
  // The adjoint of expand_image: dx (H,W,C) = the sum over m of dexpanded (H,W,C*M).
  void fold_image(const float* dexpanded, float* dx) const;
  // src (H,W,C*M) -> out (OH,OW,C*M), before the activation.
  void forward_image(const float* src, float* out) const;
  // dk (KH,KW,C*M) += the taps' inputs times dz (OH,OW,C*M); dsrc (H,W,C*M), when given,
  // += the taps' weights times dz.
  void backward_image(const float* src, const float* dz, float* dk, float* dsrc) const;

  Size2 kernel_size_, strides_;
  Padding padding_;
  Index depth_multiplier_;
  ActivationKind activation_;
  bool use_bias_;
  ConvGeometry g_{};  // cout = C*M
  Parameter kernel_{"kernel", {}, {}};
  Parameter bias_{"bias", {}, {}};
  Tensor input_;   // x, cached for the kernel gradient
  Tensor output_;  // y after the activation, cached for its derivative
};

}  // namespace minidl
