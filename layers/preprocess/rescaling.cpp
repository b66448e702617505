#include <minidl/layers/preprocess/rescaling.hpp>

#include <minidl/core/detail/eigen.hpp>

namespace minidl {

Tensor Rescaling::forward(const Tensor& x, bool /*training*/) {
  check_input(x);
  Tensor y(x.shape());
  detail::array(y) = detail::array(x) * scale_ + offset_;
  return y;
}

Tensor Rescaling::backward(const Tensor& dy) {
  check_gradient_shape(dy);
  Tensor dx(dy.shape());
  detail::array(dx) = detail::array(dy) * scale_;
  return dx;
}

Json Rescaling::get_config() const {
  return {{"scale", scale_}, {"offset", offset_}};
}

Rescaling Rescaling::from_config(const LayerConfig& config) {
  return Rescaling(config.number("scale"), config.number("offset", 0.0f));
}

}  // namespace minidl
