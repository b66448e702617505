// Concatenate(axis = -1): joins the inputs along `axis`, as keras.layers.Concatenate. The axis
// counts the batch axis as Keras does (for images (N,H,W,C): -1 or 3 is channels, 1 rows);
// every other dimension must agree. Backward: dy split back into the inputs' parts.
#pragma once

#include <minidl/layers/merge/merge_layer.hpp>

namespace minidl {

class Concatenate : public MergeLayer {
 public:
  explicit Concatenate(int axis = -1);
  std::string type() const override { return "Concatenate"; }
  Json get_config() const override;
  static Concatenate from_config(const LayerConfig& config);
  int axis() const { return axis_; }
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Concatenate>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }

 protected:
  Shape merged_shape(const std::vector<Shape>& s) const override;
  Tensor merge(const std::vector<Tensor>& xs, bool training) override;
  std::vector<Tensor> merge_backward(const Tensor& dy) override;

 private:
  // The axis within one sample (0-based, no batch axis) for samples of `rank`.
  int sample_axis(int rank) const;
  // Elements of one input per outer index: its extent along the axis times the inner size.
  Index block(const Shape& sample) const;
  Index outer(const Shape& sample) const;

  int axis_;
};

}  // namespace minidl
