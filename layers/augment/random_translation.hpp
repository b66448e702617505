// RandomTranslation(height_factor, width_factor): shifts each image by its own
// dy = U[height range] * H and dx = U[width range] * W pixels (sub-pixel, not rounded), down and
// right for positive values; factors lie in [-1, 1]. As Keras 3. Inference: the identity.
#pragma once

#include <memory>

#include <minidl/layers/augment/geometric_augmentation.hpp>

namespace minidl {

class RandomTranslation : public GeometricAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomTranslation>(std::move(*this));
  }
  RandomTranslation(FactorRange height_factor, FactorRange width_factor,
                    const std::string& fill_mode = "reflect",
                    const std::string& interpolation = "bilinear", float fill_value = 0.0f,
                    std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomTranslation"; }
  Json get_config() const override;
  static RandomTranslation from_config(const LayerConfig& config);

 protected:
  void draw(Index n, const SampleStreams& streams) override;

 private:
  FactorRange height_factor_, width_factor_;
};

}  // namespace minidl
