// RandomRotation(factor): rotates each image by its own angle drawn uniformly from
// [lower * 360, upper * 360] degrees, counter-clockwise for positive angles, about the image
// centre; the output keeps the input's size. factor is a fraction of a full turn: 0.1 means
// [-36, 36] degrees, (0.0, 0.25) means [0, 90]. As Keras 3. Inference: the identity.
#pragma once

#include <memory>

#include <minidl/layers/augment/geometric_augmentation.hpp>

namespace minidl {

class RandomRotation : public GeometricAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomRotation>(std::move(*this));
  }
  explicit RandomRotation(FactorRange factor, const std::string& fill_mode = "reflect",
                          const std::string& interpolation = "bilinear", float fill_value = 0.0f,
                          std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomRotation"; }
  Json get_config() const override;
  static RandomRotation from_config(const LayerConfig& config);

  // The angles in degrees drawn for the images of the last training call, in order.
  const std::vector<float>& last_angles() const { return angles_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;

 private:
  FactorRange factor_;
  std::vector<float> angles_;
};

}  // namespace minidl
