#include <minidl/layers/preprocess/center_crop.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/random_crop.hpp>

namespace minidl {

CenterCrop::CenterCrop(Index height, Index width) : crop_h_(height), crop_w_(width) {
  if (height < 1 || width < 1) {
    throw Error("CenterCrop: height and width must be >= 1, got (" + std::to_string(height) + "," +
                std::to_string(width) + ")");
  }
}

Shape CenterCrop::build_impl(const Shape& s) {
  check_image_sample(s);
  check_crop_fits(label(), s, crop_h_, crop_w_);
  top_ = (s[0] - crop_h_) / 2;
  left_ = (s[1] - crop_w_) / 2;
  return Shape{crop_h_, crop_w_, s[2]};
}

Tensor CenterCrop::forward(const Tensor& x, bool /*training*/) {
  check_input(x);
  const Index n = x.dim(0), in_size = input_shape().size(), out_size = output_shape().size();
  Tensor y(output_shape().with_batch(n));
  for (Index i = 0; i < n; ++i) {
    crop_image(x.data() + i * in_size, y.data() + i * out_size, input_shape()[1], input_shape()[2],
               top_, left_, crop_h_, crop_w_);
  }
  return y;
}

Tensor CenterCrop::backward(const Tensor& dy) {
  check_gradient_shape(dy);
  const Index n = dy.dim(0), in_size = input_shape().size(), out_size = output_shape().size();
  Tensor dx = Tensor::zeros(input_shape().with_batch(n));
  for (Index i = 0; i < n; ++i) {
    uncrop_gradient(dy.data() + i * out_size, dx.data() + i * in_size, input_shape()[1],
                    input_shape()[2], top_, left_, crop_h_, crop_w_);
  }
  return dx;
}

Json CenterCrop::get_config() const {
  return {{"height", crop_h_}, {"width", crop_w_}};
}

CenterCrop CenterCrop::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return CenterCrop(config.integer("height"), config.integer("width"));
}

}  // namespace minidl
