// RandomColorJitter(value_range = (0, 255), brightness_factor, contrast_factor,
// saturation_factor, hue_factor): per image, the adjustments that are given, each with its own
// layer's meaning and draw (RandomBrightness, RandomContrast, RandomSaturation, RandomHue), in a
// random order drawn per image, as torchvision's ColorJitter.
// Departure from Keras 3: Keras applies them in a fixed order (brightness, contrast, saturation,
// hue). RGB only when saturation or hue is given. Inference: identity.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

class RandomColorJitter : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomColorJitter>(std::move(*this));
  }
  explicit RandomColorJitter(ValueRange value_range = {},
                             std::optional<FactorRange> brightness_factor = std::nullopt,
                             std::optional<FactorRange> contrast_factor = std::nullopt,
                             std::optional<FactorRange> saturation_factor = std::nullopt,
                             std::optional<FactorRange> hue_factor = std::nullopt,
                             std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomColorJitter"; }
  Json get_config() const override;
  static RandomColorJitter from_config(const LayerConfig& config);

  enum Op { Brightness, Contrast, Saturation, Hue };
  // One image's draws: the ops in the order applied, with their parameters (brightness: the
  // shift; contrast: the factor; saturation: the multiplier; hue: the turn).
  struct Draw {
    std::vector<Op> order;
    std::array<float, 4> value{};
  };
  const std::vector<Draw>& last_draws() const { return draws_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  ValueRange range_;
  // As given: contrast (a, b) draws from [1 - a, 1 + b], as RandomContrast.
  std::array<std::optional<FactorRange>, 4> factors_;
  std::vector<Draw> draws_;
};

}  // namespace minidl
