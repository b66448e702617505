// RandomContrast(factor, value_range = (0, 255)): for each image a contrast factor
// f ~ U[1 - lower, 1 + upper] (factor f alone means [1 - f, 1 + f]; factors in [0, 1]), then per
// channel y = (x - mean) * f + mean with the image's own channel mean, clipped to value_range.
// Departure from Keras 3, following its documentation: a single factor f draws from [1-f, 1+f]
// (Keras 3's code parses it to (0, f) and only ever raises the contrast). Inference: identity.
#pragma once

#include <memory>

#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

// Adjusts one (H,W,C) image by contrast factor f; in and out must not overlap.
void adjust_contrast(const float* in, float* out, Index height, Index width, Index channels,
                     float factor, const ValueRange& range);

class RandomContrast : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomContrast>(std::move(*this));
  }
  explicit RandomContrast(FactorRange factor, ValueRange value_range = {},
                          std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomContrast"; }
  Json get_config() const override;
  static RandomContrast from_config(const LayerConfig& config);
  const std::vector<float>& last_factors() const { return factors_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  float lower_, upper_;  // f ~ U[1 - lower_, 1 + upper_]
  ValueRange range_;
  std::vector<float> factors_;
};

}  // namespace minidl
