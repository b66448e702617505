// RandomGrayscale(factor = 0.5): each image becomes gray with probability `factor`, drawn per
// image; the gray value gray_of(R,G,B) (color.hpp) goes into all 3 channels, so the shape stays.
// As Keras 3 (which takes `factor` as the probability too). RGB images only. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>

namespace minidl {

// One (H,W,3) image to gray in all 3 channels.
void to_grayscale(const float* in, float* out, Index pixels);

class RandomGrayscale : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomGrayscale>(std::move(*this));
  }
  explicit RandomGrayscale(float factor = 0.5f, std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomGrayscale"; }
  Json get_config() const override;
  static RandomGrayscale from_config(const LayerConfig& config);
  // Whether each image of the last training call became gray.
  const std::vector<bool>& last_applied() const { return applied_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  float probability_;
  std::vector<bool> applied_;
};

}  // namespace minidl
