// FactorAugmentation: what the pixel layers with one number drawn per image from a factor range
// share (RandomHue, RandomSaturation, RandomColorDegeneration, RandomSharpness): the factor and
// value ranges, the per-image draws, and their configuration {"factor", "value_range"}.
#pragma once

#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

class FactorAugmentation : public AugmentationLayer {
 public:
  Json get_config() const override;
  // The numbers drawn for the images of the last training call (each layer says what they are).
  const std::vector<float>& last_values() const { return values_; }

 protected:
  // A single factor f means [0, f] (from_zero); every factor lies in [0, 1]. rgb: the layer
  // needs 3 channels.
  FactorAugmentation(const char* type, FactorRange factor, ValueRange value_range, bool rgb,
                     std::optional<std::uint64_t> seed);
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  // Image i's number from its stream; the default is uniform in the factor range.
  virtual float value(Generator& rng) const;
  // The (factor, value_range) of a config, for from_config.
  static std::pair<FactorRange, ValueRange> arguments_of(const LayerConfig& config);

  FactorRange factor_;
  ValueRange range_;
  std::vector<float> values_;

 private:
  bool rgb_;
};

}  // namespace minidl
