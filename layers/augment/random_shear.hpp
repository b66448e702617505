// RandomShear(x_factor = 0, y_factor = 0, interpolation = "bilinear", fill_mode = "reflect",
// fill_value = 0): shears each image by its own sx ~ U[x_factor] and sy ~ U[y_factor] (a single
// factor f means [-f, f]; factors in [-1, 1]) about the image centre: output (x, y) samples the
// input at (x + sx (y - cy), y + sy (x - cx)) (shear_transform).
// Departures from Keras 3: Keras shears about the top-left pixel, which also shifts the content
// (by up to sx * H), and gives sx and sy one shared random sign; minidl keeps the centre in place
// and draws each independently. Inference: identity.
#pragma once

#include <memory>

#include <minidl/layers/augment/geometric_augmentation.hpp>

namespace minidl {

class RandomShear : public GeometricAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomShear>(std::move(*this));
  }
  explicit RandomShear(FactorRange x_factor = 0.0f, FactorRange y_factor = 0.0f,
                       const std::string& interpolation = "bilinear",
                       const std::string& fill_mode = "reflect", float fill_value = 0.0f,
                       std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomShear"; }
  Json get_config() const override;
  static RandomShear from_config(const LayerConfig& config);

 protected:
  void draw(Index n, const SampleStreams& streams) override;

 private:
  FactorRange x_, y_;
};

}  // namespace minidl
