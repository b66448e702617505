// RandomGaussianBlur(factor = 0.5, kernel_size = 3, sigma = 1.0, value_range = (0, 255)): blurs
// each image with probability `factor` (drawn per image) by a separable Gaussian kernel of
// kernel_size (odd; one number or (width, height)) with sigma_x and sigma_y ~ U[sigma] drawn per
// image (one number: that sigma; a pair: a range), each 1-D kernel exp(-0.5 ((i - (n-1)/2) /
// sigma)^2) normalised to sum 1, as Keras 3; clipped to value_range.
// Departures from Keras 3: Keras draws the probability itself from U[0, factor] (its default 1.0
// blurs half the images) and one sigma pair per batch; minidl takes `factor` as the probability
// and draws sigma per image; a single sigma is that sigma (as torchvision), where Keras draws
// from [0, sigma] and refuses more than 1. The border is reflected ("reflect", as torchvision), not
// padded with zeros, which darkens it. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>
#include <minidl/layers/conv_geometry.hpp>

namespace minidl {

// One (H,W,C) image blurred with kernel (kernel_h, kernel_w) and sigmas (sigma_x, sigma_y).
void gaussian_blur(const float* in, float* out, Index height, Index width, Index channels,
                   Size2 kernel, float sigma_x, float sigma_y, const ValueRange& range);

class RandomGaussianBlur : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomGaussianBlur>(std::move(*this));
  }
  // kernel_size as (height, width), as every minidl kernel size.
  explicit RandomGaussianBlur(float factor = 0.5f, Size2 kernel_size = 3, FactorRange sigma = 1.0f,
                              ValueRange value_range = {},
                              std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomGaussianBlur"; }
  Json get_config() const override;
  static RandomGaussianBlur from_config(const LayerConfig& config);
  // Per image of the last training call: (sigma_x, sigma_y), or (0, 0) when not blurred.
  const std::vector<std::pair<float, float>>& last_sigmas() const { return sigmas_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;

 private:
  float probability_;
  Size2 kernel_;
  FactorRange sigma_;
  ValueRange range_;
  std::vector<std::pair<float, float>> sigmas_;
};

}  // namespace minidl
