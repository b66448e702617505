// RandomInvert(factor = 0.5, value_range = (0, 255)): inverts each image with probability
// `factor`, drawn per image: y = low + high - x for value_range (low, high).
// Departures from Keras 3: Keras draws the probability itself from U[0, factor] (its default 1.0
// inverts half the images), minidl takes `factor` as the probability (default 0.5: the same
// rate); and Keras computes high - x, which leaves the range unless low is 0. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

class RandomInvert : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomInvert>(std::move(*this));
  }
  explicit RandomInvert(float factor = 0.5f, ValueRange value_range = {},
                        std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomInvert"; }
  Json get_config() const override;
  static RandomInvert from_config(const LayerConfig& config);
  const std::vector<bool>& last_applied() const { return applied_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  float probability_;
  ValueRange range_;
  std::vector<bool> applied_;
};

}  // namespace minidl
