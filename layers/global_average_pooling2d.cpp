#include <minidl/layers/global_average_pooling2d.hpp>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>

namespace minidl {

Shape GlobalAveragePooling2D::build_impl(const Shape& s) {
  check_image_sample(s);
  return Shape{s[2]};
}

Tensor GlobalAveragePooling2D::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0), pixels = x.dim(1) * x.dim(2), c = x.dim(3);
  Tensor y(Shape{n, c});
  for (Index b = 0; b < n; ++b) {
    // image (pixels, C): the column means are the channel means.
    detail::UnalignedConstMatrixView image(x.data() + b * pixels * c, pixels, c);
    detail::UnalignedMatrixView(y.data() + b * c, 1, c) = image.colwise().mean();
  }
  if (training) cached_batch_ = n;
  return y;
}

Tensor GlobalAveragePooling2D::backward(const Tensor& dy) {
  check_backward(cached_batch_, dy);
  const Index n = dy.dim(0), pixels = input_shape()[0] * input_shape()[1], c = input_shape()[2];
  Tensor dx(input_shape().with_batch(n));
  const float scale = 1.0f / static_cast<float>(pixels);
  for (Index b = 0; b < n; ++b) {
    detail::UnalignedMatrixView(dx.data() + b * pixels * c, pixels, c).rowwise() =
        detail::UnalignedConstMatrixView(dy.data() + b * c, 1, c).row(0) * scale;
  }
  return dx;
}

Json GlobalAveragePooling2D::get_config() const {
  return {{"data_format", "channels_last"}, {"keepdims", false}};
}

GlobalAveragePooling2D GlobalAveragePooling2D::from_config(const LayerConfig& config) {
  require_channels_last(config);
  config.require("keepdims", false, "its output is (N,C)");
  return GlobalAveragePooling2D();
}

}  // namespace minidl
