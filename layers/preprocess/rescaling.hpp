// Rescaling(scale, offset = 0): y = x * scale + offset, e.g. Rescaling(1/255.f) maps [0, 255] to
// [0, 1]. Any shape (N,...). Always active, the same in training and inference.
#pragma once

#include <memory>

#include <minidl/layers/layer.hpp>

namespace minidl {

class Rescaling : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Rescaling>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  explicit Rescaling(float scale, float offset = 0.0f) : scale_(scale), offset_(offset) {}
  std::string type() const override { return "Rescaling"; }
  Json get_config() const override;
  static Rescaling from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override { return sample_shape; }

 private:
  float scale_, offset_;
};

}  // namespace minidl
