// Conv2D: 2-D convolution over NHWC images, as Keras' Conv2D (channels_last).
//   x (N,H,W,Cin) -> y (N,OH,OW,filters), OH/OW by conv_geometry.hpp ('valid' or TensorFlow's
//   asymmetric 'same'); kernel (KH,KW,Cin,filters), Glorot-uniform; bias (filters), zeros.
// Computed as im2col + one SGEMM per block of images: a block's column matrix
// (rows = images*OH*OW, cols = KH*KW*Cin) stays in cache while the GEMM, the bias and the
// activation run over it; blocks run in parallel on OpenMP threads. Layers with few input
// channels (an image model's first) use direct AVX-512 loops instead (layers/detail/direct_conv)
// for the forward pass and the kernel gradient, where im2col's GEMM would be thin.
// Same computation in training and inference; training only decides what is cached for backward.
#pragma once

#include <memory>

#include <minidl/layers/activation_fn.hpp>
#include <minidl/layers/conv_geometry.hpp>
#include <minidl/layers/layer.hpp>
#include <minidl/layers/max_pooling2d.hpp>

namespace minidl {

class Conv2D : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Conv2D>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&input_, &output_};
  }
  Conv2D(Index filters, Size2 kernel_size, Size2 strides = 1, const std::string& padding = "valid",
         const std::string& activation = "linear", bool use_bias = true);

  std::string type() const override { return "Conv2D"; }

  Json get_config() const override;

  static Conv2D from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::vector<Parameter*> parameters() override;

  // Inference with a per-channel y * scale + shift after it folded in (a graph folds a following
  // BatchNormalization so): one convolution with kernel * scale and bias * scale + shift, plus
  // `residual` when not null, then ReLU when `relu`. Only without an activation of its own.
  bool folds_affine() const override { return activation_ == ActivationKind::Linear; }
  Tensor forward_affine(const std::vector<Tensor>& xs, const std::vector<float>& scale,
                        const std::vector<float>& shift, const Tensor* residual,
                        bool relu) override;

  // Training: a following BatchNormalization's input gradient applied while reading it.
  bool takes_normalization_gradient() const override {
    return activation_ == ActivationKind::Linear;
  }
  std::vector<Tensor> backward_normalized(const NormalizationGradient& map) override;

  // A MaxPooling2D whose windows tile this layer's output, done image by image while the image is
  // in cache (a graph fuses them so): forward_pooled returns the pooling's output (in training
  // with where the maxima were recorded in it, as its forward would), and the convolution's
  // output, 8 MB for the reference CNN's first layer, is never written. backward_pooled takes the
  // pooling's output gradient and does the pooling's backward, the activation's derivative (from
  // the pooled output, or the 2x2 kernels' record of it) and this layer's in one pass. Only with
  // no activation or ReLU.
  bool pools_into(const MaxPooling2D& pool) const;
  Tensor forward_pooled(const Tensor& x, MaxPooling2D& pool, bool training);
  Tensor backward_pooled(const Tensor& dy, const MaxPooling2D& pool);

  Parameter& kernel() { return kernel_; }
  Parameter& bias() { return bias_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  // What a forward pass convolves with: the layer's own weights, or folded ones.
  struct Weights {
    const float* kernel;
    const float* bias;  // nullptr: none
    ActivationKind activation;
    const float* residual = nullptr;  // added to the output before the activation; or none
  };
  // Where forward_pooled puts a pooling's results.
  struct Pooled {
    const MaxPooling2D* pool;
    float* values;                // (N, POH, POW, C)
    MaxPooling2D::Maxima maxima;  // the pooling's record, in training; else empty
  };
  // Adds the residual to `count` floats of the output from `offset` on, then the activation.
  void finish_output(const Weights& w, float* y, Index offset, Index count) const;
  // The fastest forward path for the geometry and the kernel tier: Winograd and the direct
  // loops run image by image, im2col + GEMM in blocks of images; under mixed_bfloat16 the
  // bfloat16 products (layers/detail/bf16_conv) image by image.
  enum class ForwardPath { winograd, direct, bf16, im2col };
  ForwardPath forward_path() const;
  // y = activation(x (*) kernel + bias) by forward_path(); with `pooled` (paths that run image
  // by image only) each image pooled into it instead of written to y.
  void convolve(const Tensor& x, Tensor& y, const Weights& w, const Pooled* pooled = nullptr) const;
  template <class F>
  void forward_images(const Tensor& x, Tensor& y, Index scratch_size, const Weights& w,
                      const Pooled* pooled, F convolve) const;
  // Whether a kernel that pools the 2x2 windows it holds in registers may do `pooled`'s work:
  // there is a pooling, it takes the 2x2 kernels, and nothing is added before the activation.
  static bool pools_in_registers(const Weights& w, const Pooled* pooled);
  // Images in parallel, each convolved and pooled by such a kernel:
  // convolve_pooled(image, maxima, records or null, scratch) for each image.
  template <class F>
  void forward_pooled_images(const Tensor& x, const Pooled& pooled, Index scratch_size,
                             F convolve_pooled) const;
  void forward_winograd(const Tensor& x, Tensor& y, const Weights& w, const Pooled* pooled) const;
  void forward_direct(const Tensor& x, Tensor& y, const Weights& w, const Pooled* pooled) const;
  void forward_bf16(const Tensor& x, Tensor& y, const Weights& w, const Pooled* pooled) const;
  void forward_im2col(const Tensor& x, Tensor& y, const Weights& w) const;
  // backward(dy), or with the gradient of this layer's output given by `normalization` (not null),
  // or by `pool` (not null) from its output gradient dy.
  Tensor backward_from(const Tensor& dy, const NormalizationGradient* normalization,
                       const MaxPooling2D* pool = nullptr);
  Index images_per_block() const;
  void im2col(const float* x, Index images, float* cols) const;
  void col2im(const float* cols, Index images, float* dx) const;

  Index filters_;
  Size2 kernel_size_, strides_;
  Padding padding_;
  ActivationKind activation_;
  bool use_bias_;
  ConvGeometry g_{};
  Parameter kernel_{"kernel", {}, {}};
  Parameter bias_{"bias", {}, {}};
  Tensor input_;   // x, cached for the kernel and input gradients
  Tensor output_;  // y after the activation, cached for its derivative
  Tensor pooled_;  // forward_pooled's output in training, for the activation's derivative
};

}  // namespace minidl
