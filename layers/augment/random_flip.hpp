// RandomFlip(mode = "horizontal_and_vertical"): each image is flipped left-right ("horizontal")
// and/or top-bottom ("vertical"), each with probability 1/2, independently per image.
// Departure from Keras 3, following its documentation: with "horizontal_and_vertical" the two
// flips are drawn independently (Keras 3's code uses one coin for both, so an image is either
// unchanged or rotated by 180 degrees). Inference: the identity.
#pragma once

#include <memory>

#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>

namespace minidl {

// Flips one (H,W,C) image; in and out must not overlap.
void flip_image(const float* in, float* out, Index height, Index width, Index channels,
                bool horizontal, bool vertical);

class RandomFlip : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomFlip>(std::move(*this));
  }
  explicit RandomFlip(const std::string& mode = "horizontal_and_vertical",
                      std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomFlip"; }
  Json get_config() const override;
  static RandomFlip from_config(const LayerConfig& config);

  struct Flip {
    bool horizontal, vertical;
  };
  // The flips drawn for the images of the last training call, in order.
  const std::vector<Flip>& last_flips() const { return flips_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;

 private:
  bool horizontal_, vertical_;
  std::vector<Flip> flips_;
};

}  // namespace minidl
