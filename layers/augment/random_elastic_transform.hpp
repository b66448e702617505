// RandomElasticTransform(factor = 0.5, scale = 1.0, interpolation = "bilinear",
// fill_mode = "reflect", fill_value = 0, value_range = (0, 255)): with probability `factor`,
// drawn per image, displaces every pixel by a smooth random field (Simard et al. 2003): with
// s ~ U[scale] per image (a single scale means [0, scale]; in [0, 1]), alpha = 0.1 s max(H, W)
// and sigma = 0.05 s min(H, W) pixels, dx and dy are independent N(0, 1) fields blurred by a
// Gaussian of sigma (kernel 2 ceil(3 sigma) + 1, reflected border) times alpha, and output
// (x, y) samples the input at (x + dx, y + dy); clipped to value_range. Keras 3's alpha and
// sigma.
// Departures from Keras 3: Keras draws the probability from U[0, factor] and s once per batch,
// and (on its TensorFlow and JAX backends) the same field for dx and dy, so every displacement
// is diagonal; minidl draws per image and independent fields. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/affine_transform.hpp>
#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

// One (H,W,C) image displaced by the fields dx, dy (H,W each).
void displace(const float* in, float* out, Index height, Index width, Index channels,
              const float* dx, const float* dy, const Resampling& resampling);

class RandomElasticTransform : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomElasticTransform>(std::move(*this));
  }
  explicit RandomElasticTransform(float factor = 0.5f, FactorRange scale = 1.0f,
                                  const std::string& interpolation = "bilinear",
                                  const std::string& fill_mode = "reflect", float fill_value = 0.0f,
                                  ValueRange value_range = {},
                                  std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomElasticTransform"; }
  Json get_config() const override;
  static RandomElasticTransform from_config(const LayerConfig& config);

  // One image's draw: its strength s (0: not displaced) and the seed of its fields.
  struct Draw {
    float strength = 0.0f;
    std::uint64_t field_seed = 0;
  };
  const std::vector<Draw>& last_draws() const { return draws_; }
  // The displacement fields (dx then dy, H*W each) of a draw, for an image of this layer's size.
  Tensor field(const Draw& draw) const;

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  // A box becomes the pixels whose sample points fall in it: no closed-form inverse exists for a
  // displacement field, and this follows the content exactly (one pass over the pixels per box).
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;

 private:
  float probability_;
  FactorRange scale_;
  Resampling resampling_;
  ValueRange range_;
  std::vector<Draw> draws_;
};

}  // namespace minidl
