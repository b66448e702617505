#include <minidl/layers/merge/merge_layer.hpp>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

std::string shapes_text(const std::vector<Shape>& shapes) {
  std::string s;
  for (const Shape& shape : shapes) s += (s.empty() ? "" : ", ") + shape.str_batched();
  return s;
}

}  // namespace

Shape MergeLayer::build_inputs(const std::vector<Shape>& sample_shapes) {
  if (sample_shapes.size() < 2) {
    throw Error(label() + ": expected a list of at least 2 inputs, got " +
                std::to_string(sample_shapes.size()));
  }
  if (built()) {
    if (sample_shapes != input_shapes_) {
      throw Error(label() + ": already built for inputs " + shapes_text(input_shapes_) + ", got " +
                  shapes_text(sample_shapes));
    }
    return output_shape();
  }
  output_pending_ = merged_shape(sample_shapes);
  input_shapes_ = sample_shapes;
  return build(sample_shapes[0]);
}

Shape MergeLayer::build_impl(const Shape& /*first_input*/) {
  return output_pending_;
}

Tensor MergeLayer::forward_inputs(const std::vector<Tensor>& xs, bool training) {
  check_inputs(xs);
  return merge(xs, training);
}

void MergeLayer::check_inputs(const std::vector<Tensor>& xs) {
  if (!built()) {
    std::vector<Shape> shapes;
    for (const Tensor& x : xs) {
      if (x.rank() < 1) throw Error(label() + ": expected batches, got a rank-0 tensor");
      shapes.push_back(x.shape().without_batch());
    }
    build_inputs(shapes);
  }
  if (xs.size() != input_shapes_.size()) {
    throw Error(label() + ": expected " + std::to_string(input_shapes_.size()) + " inputs, got " +
                std::to_string(xs.size()));
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].rank() != input_shapes_[i].rank() + 1 ||
        xs[i].shape().without_batch() != input_shapes_[i] || xs[i].dim(0) != xs[0].dim(0)) {
      throw Error(label() + ": input " + std::to_string(i) + " should be " +
                  input_shapes_[i].str_batched(std::to_string(xs[0].dim(0))) + ", got " +
                  xs[i].shape().str());
    }
  }
}

std::vector<Tensor> MergeLayer::backward_inputs(const Tensor& dy) {
  check_gradient_shape(dy);
  return merge_backward(dy);
}

Tensor MergeLayer::forward(const Tensor& /*x*/, bool /*training*/) {
  throw Error(label() + ": takes a list of inputs, e.g. " + type() + "()({a, b}), got one tensor");
}

Tensor MergeLayer::backward(const Tensor& /*dy*/) {
  throw Error(label() + ": has several inputs; its backward is backward_inputs(dy)");
}

Shape MergeLayer::same_shapes(const std::vector<Shape>& sample_shapes) const {
  for (const Shape& s : sample_shapes) {
    if (s != sample_shapes[0]) {
      throw Error(label() + ": every input must have the same shape, got " +
                  shapes_text(sample_shapes));
    }
  }
  return sample_shapes[0];
}

}  // namespace minidl
