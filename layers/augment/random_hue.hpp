// RandomHue(factor, value_range = (0, 255)): turns each image's hue by its own
// delta = +-u / 2 of a full turn, u ~ U[factor] (a single factor f means [0, f]; factors in
// [0, 1], so 1 allows half a turn either way), the sign a fair coin. In HSV of the image mapped
// to [0, 1]; the result is clipped to value_range. As Keras 3. RGB only. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/factor_augmentation.hpp>

namespace minidl {

// Adds `delta` turns to the hue of every pixel of one (H,W,3) image.
void adjust_hue(const float* in, float* out, Index pixels, float delta, const ValueRange& range);

class RandomHue : public FactorAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomHue>(std::move(*this));
  }
  explicit RandomHue(FactorRange factor, ValueRange value_range = {},
                     std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomHue"; }
  static RandomHue from_config(const LayerConfig& config);
  // last_values(): the turns added to each image's hue.

 protected:
  float value(Generator& rng) const override;
  void transform(Index i, const float* in, float* out) const override;
};

}  // namespace minidl
