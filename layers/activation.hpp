// Activation: applies relu, sigmoid, tanh, softmax (last axis) or linear element-wise.
// Input and output: (N, ...) of the same shape. Same behaviour in training and inference.
#pragma once

#include <memory>

#include <minidl/layers/activation_fn.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

class Activation : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Activation>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&output_};
  }
  explicit Activation(const std::string& activation);

  std::string type() const override { return "Activation"; }

  Json get_config() const override;

  static Activation from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  ActivationKind kind() const { return kind_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  Index last_axis() const;
  ActivationKind kind_;
  Tensor output_;  // cached y for backward (training only)
};

}  // namespace minidl
