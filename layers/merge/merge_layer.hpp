// MergeLayer: what the layers with several inputs share (Add, Subtract, Multiply, Average,
// Maximum, Concatenate). They are called on a list of nodes, `Add()({a, b})`, or on a list of
// tensors outside a model, `Add().forward_inputs({a, b}, false)`; every input is (N, sample...)
// with the same N. No weights, and the same computation in training and inference.
#pragma once

#include <vector>

#include <minidl/layers/layer.hpp>

namespace minidl {

class MergeLayer : public Layer {
 public:
  Shape build_inputs(const std::vector<Shape>& sample_shapes) override;
  Tensor forward_inputs(const std::vector<Tensor>& xs, bool training) override;
  std::vector<Tensor> backward_inputs(const Tensor& dy) override;

  // A merge layer takes a list: these say so.
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  Json get_config() const override { return Json::object(); }

 protected:
  // Validates the inputs' sample shapes (at least two) and returns the output's.
  virtual Shape merged_shape(const std::vector<Shape>& sample_shapes) const = 0;
  // xs all checked against input_shapes(); `training` says whether to cache for backward.
  virtual Tensor merge(const std::vector<Tensor>& xs, bool training) = 0;
  // The gradient of every input from dy, checked against output_shape().
  virtual std::vector<Tensor> merge_backward(const Tensor& dy) = 0;
  Shape build_impl(const Shape& sample_shape) override;

  // Builds on first use, then throws unless xs match the inputs the layer was built for.
  void check_inputs(const std::vector<Tensor>& xs);
  // Throws unless every input has the same sample shape (the elementwise layers).
  Shape same_shapes(const std::vector<Shape>& sample_shapes) const;
  Index inputs_count() const { return static_cast<Index>(input_shapes_.size()); }

 private:
  std::vector<Shape> input_shapes_;
  Shape output_pending_;  // handed from build_inputs to build_impl
};

}  // namespace minidl
