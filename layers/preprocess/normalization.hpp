// Normalization: y = (x - mean) / max(sqrt(variance), 1e-7) per feature of the last axis, as
// Keras' Normalization(axis=-1). mean and variance are given, or learnt with adapt(data): the
// mean and (biased) variance of each last-axis feature over every other axis of `data`.
// Always active, the same in training and inference. x (N,...,C) -> y of the same shape.
#pragma once

#include <memory>

#include <vector>

#include <minidl/layers/layer.hpp>

namespace minidl {

class Normalization : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Normalization>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  Normalization() = default;  // call adapt() before use
  Normalization(std::vector<float> mean, std::vector<float> variance);

  std::string type() const override { return "Normalization"; }

  Json get_config() const override;

  static Normalization from_config(const LayerConfig& config);
  void adapt(const Tensor& data);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  const std::vector<float>& mean() const { return mean_; }
  const std::vector<float>& variance() const { return variance_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  std::vector<float> mean_, variance_, inv_std_;
};

}  // namespace minidl
