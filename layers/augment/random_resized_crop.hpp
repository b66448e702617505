// RandomResizedCrop(height, width, scale = (0.08, 1), ratio = (3/4, 4/3),
// interpolation = "bilinear"): crops from each image a rectangle of area U[scale] of the image
// and aspect ratio (width / height) log-uniform in [ratio], at a uniform position, and resizes it
// to (height, width), as torchvision's RandomResizedCrop (10 tries for a rectangle that fits,
// then the largest centred one within [ratio]). Resizing as minidl's Resizing (Keras 3's: pixel
// centres, no antialiasing). Keras 3 has no such layer.
// Inference: the largest centred crop of the output's aspect ratio, resized to (height, width)
// (what Keras' RandomCrop does at inference). x (N,H,W,C) -> y (N,height,width,C).
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/affine_transform.hpp>
#include <minidl/layers/augment/augmentation_layer.hpp>

namespace minidl {

class RandomResizedCrop : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomResizedCrop>(std::move(*this));
  }
  RandomResizedCrop(Index height, Index width, FactorRange scale = {0.08f, 1.0f},
                    FactorRange ratio = {3.0f / 4.0f, 4.0f / 3.0f},
                    const std::string& interpolation = "bilinear",
                    std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomResizedCrop"; }
  Json get_config() const override;
  static RandomResizedCrop from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

  // A rectangle of the input: rows top..top+height, columns left..left+width.
  struct Crop {
    Index top = 0, left = 0, height = 0, width = 0;
  };
  const std::vector<Crop>& last_crops() const { return crops_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;
  void prepare_inference(Index n) override;

 private:
  Crop centre_crop() const;
  void crop_and_resize(const float* in, float* out, Index channels, const Crop& crop,
                       const Resampling& resampling) const;

  Index out_h_, out_w_;
  FactorRange scale_, ratio_;
  Resampling resampling_;
  std::vector<Crop> crops_;
};

}  // namespace minidl
