// RandomPerspective(factor = 0.5, scale = 1.0, interpolation = "bilinear", fill_value = 0,
// fill_mode = "constant"): with probability `factor`, drawn per image, moves each corner of the
// image inward by its own U[0, scale / 2] of the width (in x) and of the height (in y), as
// torchvision's RandomPerspective(distortion_scale = scale), and warps the image so that its
// corners land there (homography): output (x, y) samples the input projectively.
// Departures from Keras 3: Keras draws the probability from U[0, factor] (its default 1.0 warps
// half the images), and moves each corner by a multiple of its own coordinates, so the top-left
// corner never moves; Keras fills with a constant only, minidl takes every fill_mode.
// Inference: identity.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include <minidl/layers/augment/geometric_augmentation.hpp>

namespace minidl {

class RandomPerspective : public GeometricAugmentation {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomPerspective>(std::move(*this));
  }
  explicit RandomPerspective(float factor = 0.5f, float scale = 1.0f,
                             const std::string& interpolation = "bilinear", float fill_value = 0.0f,
                             const std::string& fill_mode = "constant",
                             std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomPerspective"; }
  Json get_config() const override;
  static RandomPerspective from_config(const LayerConfig& config);
  // Where each image's corners went (x, y for TL, TR, BL, BR), in the last training call; the
  // corners themselves for an image not warped.
  using Corners = std::array<std::array<float, 2>, 4>;
  const std::vector<Corners>& last_corners() const { return corners_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;

 private:
  float probability_, scale_;
  std::vector<Corners> corners_;
};

}  // namespace minidl
