// Flatten: (N, d1, d2, ...) -> (N, d1*d2*...), keeping the row-major (NHWC) element order.
#pragma once

#include <memory>

#include <minidl/layers/layer.hpp>

namespace minidl {

class Flatten : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Flatten>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  std::string type() const override { return "Flatten"; }
  Json get_config() const override;
  static Flatten from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;
};

}  // namespace minidl
