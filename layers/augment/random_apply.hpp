// RandomApply(layer, p = 0.5): applies `layer` to each image with probability p, drawn per
// image (the layer's own draws come from this layer's streams). Keras 3 has no such layer
// (requested in keras-team/keras#20727); torchvision's RandomApply flips one coin for the whole
// batch. The layer must keep the image shape. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_composite.hpp>

namespace minidl {

class RandomApply : public AugmentationComposite {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomApply>(std::move(*this));
  }
  RandomApply(std::shared_ptr<AugmentationLayer> layer, float p = 0.5f,
              std::optional<std::uint64_t> seed = std::nullopt);
  template <class L, class = std::enable_if_t<std::is_base_of_v<AugmentationLayer, L>>>
  RandomApply(L layer, float p = 0.5f, std::optional<std::uint64_t> seed = std::nullopt)
      : RandomApply(std::make_shared<L>(std::move(layer)), p, seed) {}
  std::string type() const override { return "RandomApply"; }
  Json get_config() const override;
  static RandomApply from_config(const LayerConfig& config);
  const std::vector<bool>& last_applied() const { return applied_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;

 private:
  float probability_;
  std::vector<bool> applied_;
};

}  // namespace minidl
