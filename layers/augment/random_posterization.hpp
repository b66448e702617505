// RandomPosterization(factor, value_range = (0, 255)): keeps the `bits` highest bits of each
// 8-bit value, bits drawn per image, uniformly among the integers of [factor] (a single factor
// b means exactly b bits; factors in [1, 8]). Pixels are mapped to 0..255 and truncated to
// integers first, then mapped back.
// Departure from Keras 3: its documentation says factor is the number of bits to keep, but its
// code draws from [1, b) exclusive (RandomPosterization(4) keeps 1 to 3 bits); minidl keeps b
// bits, and a pair's upper bound is included. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

// Keeps the `bits` highest bits of every value of one image (`size` floats).
void posterize(const float* in, float* out, Index size, int bits, const ValueRange& range);

class RandomPosterization : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomPosterization>(std::move(*this));
  }
  explicit RandomPosterization(FactorRange factor, ValueRange value_range = {},
                               std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomPosterization"; }
  Json get_config() const override;
  static RandomPosterization from_config(const LayerConfig& config);
  const std::vector<int>& last_bits() const { return bits_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  int low_, high_;  // bits drawn from low_..high_
  ValueRange range_;
  std::vector<int> bits_;
};

}  // namespace minidl
