// RandomBrightness(factor, value_range = (0, 255)): adds to each image its own
// delta = U[lower, upper] * (high - low of value_range), the same for all channels, then clips to
// value_range; factors lie in [-1, 1] (-1 gives black, +1 white). For images in [0, 1] pass
// value_range (0, 1), or the shift is +-factor*255. As Keras 3. Inference: the identity.
#pragma once

#include <memory>

#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

// Adds `delta` to every value of one (H,W,C) image and clips to `range`.
void adjust_brightness(const float* in, float* out, Index size, float delta,
                       const ValueRange& range);

class RandomBrightness : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomBrightness>(std::move(*this));
  }
  explicit RandomBrightness(FactorRange factor, ValueRange value_range = {},
                            std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomBrightness"; }
  Json get_config() const override;
  static RandomBrightness from_config(const LayerConfig& config);
  const std::vector<float>& last_deltas() const { return deltas_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  FactorRange factor_;
  ValueRange range_;
  std::vector<float> deltas_;
};

}  // namespace minidl
