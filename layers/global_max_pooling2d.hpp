// GlobalMaxPooling2D: the maximum over all pixels, per channel (keras.layers.GlobalMaxPooling2D,
// channels_last). x (N,H,W,C) -> y (N,C), or (N,1,1,C) with keepdims.
// Ties go to the first pixel in row-major order; backward routes each channel's gradient to that
// pixel, the others get 0. Same computation in training and inference; training only decides
// whether the argmax is cached.
#pragma once

#include <minidl/layers/layer.hpp>

namespace minidl {

class GlobalMaxPooling2D : public Layer {
 public:
  explicit GlobalMaxPooling2D(bool keepdims = false) : keepdims_(keepdims) {}

  std::string type() const override { return "GlobalMaxPooling2D"; }

  Json get_config() const override;

  static GlobalMaxPooling2D from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<GlobalMaxPooling2D>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&argmax_};
  }

  bool keepdims() const { return keepdims_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  bool keepdims_;
  // (N,C): the pixel y*W + x holding each maximum, stored as float (exact below 2^24 pixels,
  // checked at build) so that the cache is a Tensor a model can swap per call.
  Tensor argmax_;
};

}  // namespace minidl
