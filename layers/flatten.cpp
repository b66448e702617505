#include <minidl/layers/flatten.hpp>

namespace minidl {

Shape Flatten::build_impl(const Shape& sample_shape) {
  return Shape{sample_shape.size()};
}

Tensor Flatten::forward(const Tensor& x, bool /*training*/) {
  check_input(x);
  Tensor y = x.share();  // the same buffer under the flat shape
  y.reshape(output_shape().with_batch(x.dim(0)));
  return y;
}

Tensor Flatten::backward(const Tensor& dy) {
  check_gradient_shape(dy);
  Tensor dx = dy.share();
  dx.reshape(input_shape().with_batch(dy.dim(0)));
  return dx;
}

Json Flatten::get_config() const {
  return {{"data_format", "channels_last"}};
}

Flatten Flatten::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return Flatten();
}

}  // namespace minidl
