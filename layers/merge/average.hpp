// Average: y = (x_1 + ... + x_n) / n (inputs of one shape), as keras.layers.Average.
// Backward: every input receives dy / n.
#pragma once

#include <minidl/layers/merge/merge_layer.hpp>

namespace minidl {

class Average : public MergeLayer {
 public:
  std::string type() const override { return "Average"; }
  static Average from_config(const LayerConfig& config);
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Average>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }

 protected:
  Shape merged_shape(const std::vector<Shape>& s) const override { return same_shapes(s); }
  Tensor merge(const std::vector<Tensor>& xs, bool training) override;
  std::vector<Tensor> merge_backward(const Tensor& dy) override;
};

}  // namespace minidl
