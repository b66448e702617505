// RandomSharpness(factor, value_range = (0, 255)): blends each image with its smoothed version
// (the 3x3 kernel [[1,1,1],[1,5,1],[1,1,1]] / 13, as PIL's SMOOTH),
// y = x + (1 - 2f) (smooth(x) - x), f ~ U[factor] per image (a single factor f means [0, f];
// factors in [0, 1]): f = 0.5 keeps the image, 0 blurs, 1 sharpens. Clipped to value_range.
// Departure from Keras 3: the one-pixel border is left as it is (as PIL); Keras pads with zeros,
// which darkens it. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/factor_augmentation.hpp>

namespace minidl {

// y = x + (1 - 2f) (smooth(x) - x) for one (H,W,C) image, border pixels copied.
void adjust_sharpness(const float* in, float* out, Index height, Index width, Index channels,
                      float f, const ValueRange& range);

class RandomSharpness : public FactorAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomSharpness>(std::move(*this));
  }
  explicit RandomSharpness(FactorRange factor, ValueRange value_range = {},
                           std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomSharpness"; }
  static RandomSharpness from_config(const LayerConfig& config);
  // last_values(): each image's factor f.

 protected:
  void transform(Index i, const float* in, float* out) const override;
};

}  // namespace minidl
