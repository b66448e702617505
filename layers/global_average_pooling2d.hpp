// GlobalAveragePooling2D: the mean over all pixels, per channel. x (N,H,W,C) -> y (N,C).
#pragma once

#include <memory>

#include <minidl/layers/layer.hpp>

namespace minidl {

class GlobalAveragePooling2D : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<GlobalAveragePooling2D>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  std::string type() const override { return "GlobalAveragePooling2D"; }
  Json get_config() const override;
  static GlobalAveragePooling2D from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  Index cached_batch_ = -1;
};

}  // namespace minidl
