// RandomChoice(layers): applies to each image one of `layers`, chosen uniformly per image (the
// layers' own draws come from this layer's streams). Keras 3 has no such layer (requested in
// keras-team/keras#20727); torchvision's RandomChoice picks one for the whole batch. Every layer
// must keep the image shape. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_composite.hpp>

namespace minidl {

class RandomChoice : public AugmentationComposite {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomChoice>(std::move(*this));
  }
  explicit RandomChoice(AugmentationLayers layers,
                        std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomChoice"; }
  Json get_config() const override;
  static RandomChoice from_config(const LayerConfig& config);
  // The layer chosen for each image of the last training call.
  const std::vector<Index>& last_choices() const { return choices_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;

 private:
  std::vector<Index> choices_;
};

}  // namespace minidl
