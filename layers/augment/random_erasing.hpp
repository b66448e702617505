// RandomErasing(factor = 0.5, scale = (0.02, 0.33), ratio = (0.3, 3.3), fill_value = random,
// value_range = (0, 255)): with probability `factor`, drawn per image, fills one rectangle of
// each image: its area a fraction U[scale] of the image, its aspect ratio (width / height)
// log-uniform in [ratio], its position uniform, as Zhong et al. 2017 and torchvision (up to 10
// tries for a rectangle that fits; none fills nothing). The fill is a constant, one value per
// channel, or (the default) uniform noise in value_range per pixel.
// Departures from Keras 3: Keras draws the probability from U[0, factor] (its default 1.0 erases
// half the images); it takes `scale` as two independent side fractions and has no `ratio`; its
// default fill N(0, 1) * high, clipped, is mostly black and white. Inference: identity.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

class RandomErasing : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomErasing>(std::move(*this));
  }
  // fill_value: empty for noise, one value, or one per channel.
  explicit RandomErasing(float factor = 0.5f, FactorRange scale = {0.02f, 0.33f},
                         FactorRange ratio = {0.3f, 3.3f}, std::vector<float> fill_value = {},
                         ValueRange value_range = {},
                         std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomErasing"; }
  Json get_config() const override;
  static RandomErasing from_config(const LayerConfig& config);

  // One image's rectangle (rows top..top+height, columns left..left+width; height 0: none) and
  // the seed of its noise.
  struct Rectangle {
    Index top = 0, left = 0, height = 0, width = 0;
    std::uint64_t noise_seed = 0;
  };
  const std::vector<Rectangle>& last_rectangles() const { return rectangles_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  float probability_;
  FactorRange scale_, ratio_;
  std::vector<float> fill_;
  ValueRange range_;
  std::vector<Rectangle> rectangles_;
};

}  // namespace minidl
