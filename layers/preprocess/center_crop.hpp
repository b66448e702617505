// CenterCrop(height, width): the centred (height, width) window of each image, top-left corner
// at ((H - height) / 2, (W - width) / 2) rounded down. x (N,H,W,C) -> y (N,height,width,C).
// Always active. A window larger than the image is an error (Keras would resize instead).
#pragma once

#include <memory>

#include <minidl/layers/layer.hpp>

namespace minidl {

class CenterCrop : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<CenterCrop>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  CenterCrop(Index height, Index width);
  std::string type() const override { return "CenterCrop"; }
  Json get_config() const override;
  static CenterCrop from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  Index crop_h_, crop_w_;
  Index top_ = 0, left_ = 0;
};

}  // namespace minidl
