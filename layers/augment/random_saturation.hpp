// RandomSaturation(factor, value_range = (0, 255)): scales each image's saturation by
// m = f / (1 - f), f ~ U[factor] drawn per image (a single factor f means [0, f]; factors in
// [0, 1]): f = 0.5 leaves the image as it is, 0 makes it gray, 1 fully saturated. In HSV of the
// image mapped to [0, 1], the saturation clipped to [0, 1], the result to value_range.
// Departure from Keras 3: Keras computes HSV on the unscaled pixels and clips the saturation to
// value_range, so with (0, 255) it exceeds 1 and colours leave the range; and its code parses a
// single factor as (-f, f) (multipliers below 0), against its documentation. RGB only. Inference:
// identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/factor_augmentation.hpp>

namespace minidl {

// Multiplies the saturation of every pixel of one (H,W,3) image by `multiplier`.
void adjust_saturation(const float* in, float* out, Index pixels, float multiplier,
                       const ValueRange& range);

class RandomSaturation : public FactorAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomSaturation>(std::move(*this));
  }
  explicit RandomSaturation(FactorRange factor, ValueRange value_range = {},
                            std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomSaturation"; }
  static RandomSaturation from_config(const LayerConfig& config);
  // last_values(): each image's saturation multiplier f / (1 - f).

 protected:
  float value(Generator& rng) const override;
  void transform(Index i, const float* in, float* out) const override;
};

}  // namespace minidl
