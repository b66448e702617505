// RandomZoom(height_factor, width_factor): zooms each image about its centre by its own
// zy = 1 + U[height range] and zx = 1 + U[width range]; positive factors zoom out (the content
// shrinks), negative zoom in. Without width_factor one draw serves both axes, keeping the aspect
// ratio. Factors lie in [-1, 1]. As Keras 3. Inference: the identity.
#pragma once

#include <memory>

#include <minidl/layers/augment/geometric_augmentation.hpp>

namespace minidl {

class RandomZoom : public GeometricAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomZoom>(std::move(*this));
  }
  explicit RandomZoom(FactorRange height_factor,
                      std::optional<FactorRange> width_factor = std::nullopt,
                      const std::string& fill_mode = "reflect",
                      const std::string& interpolation = "bilinear", float fill_value = 0.0f,
                      std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomZoom"; }
  Json get_config() const override;
  static RandomZoom from_config(const LayerConfig& config);

 protected:
  void draw(Index n, const SampleStreams& streams) override;

 private:
  FactorRange height_factor_;
  std::optional<FactorRange> width_factor_;
};

}  // namespace minidl
