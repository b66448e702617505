// Maximum: y = max(x_1, x_2, ...) elementwise (inputs of one shape), as keras.layers.Maximum.
// Backward: each element's gradient goes to the input holding the maximum (the first of equal
// ones, as TensorFlow's gradient of maximum); a training forward caches which input that is.
#pragma once

#include <minidl/layers/merge/merge_layer.hpp>

namespace minidl {

class Maximum : public MergeLayer {
 public:
  std::string type() const override { return "Maximum"; }
  static Maximum from_config(const LayerConfig& config);
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Maximum>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&winner_};
  }

 protected:
  Shape merged_shape(const std::vector<Shape>& s) const override { return same_shapes(s); }
  Tensor merge(const std::vector<Tensor>& xs, bool training) override;
  std::vector<Tensor> merge_backward(const Tensor& dy) override;

 private:
  Tensor winner_;  // per element, the index of the input holding the maximum (exact in float)
};

}  // namespace minidl
