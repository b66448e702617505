// Dense: y = activation(x . kernel + bias).
//   x (N, in) -> y (N, units); kernel (in, units), Glorot-uniform; bias (units), zeros (as Keras).
// Same computation in training and inference; training only decides what is cached for backward.
#pragma once

#include <memory>

#include <minidl/layers/activation_fn.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

class Dense : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Dense>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&input_, &output_};
  }
  explicit Dense(Index units, const std::string& activation = "linear", bool use_bias = true);

  std::string type() const override { return "Dense"; }

  Json get_config() const override;

  static Dense from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::vector<Parameter*> parameters() override;

  Parameter& kernel() { return kernel_; }
  Parameter& bias() { return bias_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  Index units_;
  ActivationKind activation_;
  bool use_bias_;
  Parameter kernel_{"kernel", {}, {}};
  Parameter bias_{"bias", {}, {}};
  Tensor input_;   // x (N, in), cached for the kernel gradient
  Tensor output_;  // y (N, units) after the activation, cached for its derivative
};

}  // namespace minidl
