// RandomColorDegeneration(factor, value_range = (0, 255)): blends each image towards its gray
// version, y = x + f (gray - x), f ~ U[factor] per image (a single factor f means [0, f];
// factors in [0, 1]: 0 keeps the image, 1 makes it gray), clipped to value_range.
// Departure from Keras 3: its code parses a single factor as (-f, f), so half the draws
// over-saturate, against its documentation. RGB only. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/factor_augmentation.hpp>

namespace minidl {

// y = x + f (gray - x) for one (H,W,3) image, clipped to `range`.
void degenerate_color(const float* in, float* out, Index pixels, float f, const ValueRange& range);

class RandomColorDegeneration : public FactorAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomColorDegeneration>(std::move(*this));
  }
  explicit RandomColorDegeneration(FactorRange factor, ValueRange value_range = {},
                                   std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomColorDegeneration"; }
  static RandomColorDegeneration from_config(const LayerConfig& config);
  // last_values(): each image's blend factor f.

 protected:
  void transform(Index i, const float* in, float* out) const override;
};

}  // namespace minidl
