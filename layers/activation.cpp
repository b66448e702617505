#include <minidl/layers/activation.hpp>

#include <minidl/core/error.hpp>

namespace minidl {

Activation::Activation(const std::string& activation)
    : kind_(parse_activation(activation, "Activation")) {}

Shape Activation::build_impl(const Shape& sample_shape) {
  if (sample_shape.rank() < 1) {
    throw Error(label() + ": expected input of rank >= 2 (N,...), got " +
                sample_shape.str_batched());
  }
  return sample_shape;
}

Index Activation::last_axis() const {
  return input_shape()[input_shape().rank() - 1];
}

Tensor Activation::forward(const Tensor& x, bool training) {
  check_input(x);
  Tensor y = x.clone();
  activation_forward(kind_, y, last_axis());
  if (training) output_ = y.share();
  return y;
}

Tensor Activation::backward(const Tensor& dy) {
  check_backward(batch_of(output_), dy);
  Tensor dx(dy.shape());
  activation_backward(kind_, output_.data(), dy.data(), dx.data(), dx.size(), last_axis());
  return dx;
}

Json Activation::get_config() const {
  return {{"activation", activation_name(kind_)}};
}

Activation Activation::from_config(const LayerConfig& config) {
  return Activation(config.string("activation"));
}

}  // namespace minidl
