// Solarization(addition_factor = 0, threshold_factor = 0, value_range = (0, 255)): per image,
// adds a = U[addition_factor] * 255 to the pixels mapped to 0..255 (clipped to 0..255), then
// inverts every value at or above the threshold t = U[threshold_factor] * 255: y = 255 - v there,
// v elsewhere; mapped back. Factors in [0, 1], a single factor f meaning [0, f]. With the
// defaults (t = 0) every value is inverted.
// Departure from Keras 3: Keras multiplies only the upper bound of each factor by 255 (a lower
// bound of 0.5 means 0.5 of 255); minidl scales both. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

// One image (`size` floats): adds `addition` (0..255 units), inverts from `threshold` up.
void solarize(const float* in, float* out, Index size, float addition, float threshold,
              const ValueRange& range);

class Solarization : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Solarization>(std::move(*this));
  }
  explicit Solarization(FactorRange addition_factor = 0.0f, FactorRange threshold_factor = 0.0f,
                        ValueRange value_range = {},
                        std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "Solarization"; }
  Json get_config() const override;
  static Solarization from_config(const LayerConfig& config);
  // The additions and thresholds (0..255 units) of the last training call.
  const std::vector<std::pair<float, float>>& last_draws() const { return draws_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  FactorRange addition_, threshold_;
  ValueRange range_;
  std::vector<std::pair<float, float>> draws_;
};

}  // namespace minidl
