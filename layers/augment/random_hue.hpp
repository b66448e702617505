// RandomHue(factor, value_range = (0, 255)): turns each image's hue by its own
// delta = +-u / 2 of a full turn, u ~ U[factor] (a single factor f means [0, f]; factors in
// [0, 1], so 1 allows half a turn either way), the sign a fair coin. In HSV of the image mapped
// to [0, 1]; the result is clipped to value_range. As Keras 3. RGB only. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

// Adds `delta` turns to the hue of every pixel of one (H,W,3) image.
void adjust_hue(const float* in, float* out, Index pixels, float delta, const ValueRange& range);

class RandomHue : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomHue>(std::move(*this));
  }
  explicit RandomHue(FactorRange factor, ValueRange value_range = {},
                     std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomHue"; }
  Json get_config() const override;
  static RandomHue from_config(const LayerConfig& config);
  // The deltas (in turns) of the last training call.
  const std::vector<float>& last_deltas() const { return deltas_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  FactorRange factor_;
  ValueRange range_;
  std::vector<float> deltas_;
};

}  // namespace minidl
