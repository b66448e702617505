// AutoContrast(value_range = (0, 255)): stretches each image's channels to the full range: per
// image and channel, y = (x - min) * 255 / (max - min) on the values mapped to 0..255, clipped,
// mapped back; a constant channel stays as it is. Always active (a deterministic normalisation,
// as in Keras 3, where it runs at inference too; RandAugment uses it as a random op). Per image,
// never per batch. x (N,H,W,C) -> y of the same shape. It has no gradient: place it before the
// layers with weights.
#pragma once

#include <memory>

#include <minidl/layers/augment/value_range.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

// One (H,W,C) image.
void auto_contrast(const float* in, float* out, Index height, Index width, Index channels,
                   const ValueRange& range);

class AutoContrast : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<AutoContrast>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  explicit AutoContrast(ValueRange value_range = {});
  std::string type() const override { return "AutoContrast"; }
  Json get_config() const override;
  static AutoContrast from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  ValueRange range_;
};

}  // namespace minidl
