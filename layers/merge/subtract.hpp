// Subtract: y = x_1 - x_2 (exactly two inputs of one shape), as keras.layers.Subtract.
// Backward: dy and -dy.
#pragma once

#include <minidl/layers/merge/merge_layer.hpp>

namespace minidl {

class Subtract : public MergeLayer {
 public:
  std::string type() const override { return "Subtract"; }
  static Subtract from_config(const LayerConfig& config);
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Subtract>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }

 protected:
  Shape merged_shape(const std::vector<Shape>& s) const override;
  Tensor merge(const std::vector<Tensor>& xs, bool training) override;
  std::vector<Tensor> merge_backward(const Tensor& dy) override;
};

}  // namespace minidl
