// Multiply: y = x_1 * x_2 * ... elementwise (inputs of one shape), as keras.layers.Multiply.
// Backward: input i receives dy times the product of the other inputs, which a training
// forward caches.
#pragma once

#include <minidl/layers/merge/merge_layer.hpp>

namespace minidl {

class Multiply : public MergeLayer {
 public:
  std::string type() const override { return "Multiply"; }
  static Multiply from_config(const LayerConfig& config);
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Multiply>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override;

 protected:
  Shape merged_shape(const std::vector<Shape>& s) const override { return same_shapes(s); }
  Tensor merge(const std::vector<Tensor>& xs, bool training) override;
  std::vector<Tensor> merge_backward(const Tensor& dy) override;

 private:
  std::vector<Tensor> inputs_;  // the inputs of the last training forward
};

}  // namespace minidl
