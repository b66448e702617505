// RandAugment(value_range = (0, 255), num_ops = 2, factor = 0.5, interpolation = "bilinear",
// fill_mode = "reflect"): each image gets num_ops ops chosen uniformly (with replacement) from
// torchvision's 14 (policy_ops.hpp, Identity included), each at its own magnitude
// m ~ U[0, factor], with a random sign where the op has two directions (Cubuk et al. 2020, with
// Keras' sampled magnitude). Masks and boxes follow the geometric ops.
// Departures from Keras 3: Keras picks the ops once per batch, so every image of a batch gets the
// same ops, computes all 11 of its ops num_ops times and selects, and its (0, factor) ranges make
// several ops one-sided (rotation only counter-clockwise, translation only right and down,
// brightness only up); minidl picks per image, computes only the chosen ops, and its magnitudes
// are symmetric. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/policy_ops.hpp>

namespace minidl {

class RandAugment : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandAugment>(std::move(*this));
  }
  explicit RandAugment(ValueRange value_range = {}, int num_ops = 2, float factor = 0.5f,
                       const std::string& interpolation = "bilinear",
                       const std::string& fill_mode = "reflect",
                       std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandAugment"; }
  Json get_config() const override;
  static RandAugment from_config(const LayerConfig& config);
  // Each image's ops of the last training call, in the order applied.
  const std::vector<std::vector<PolicyStep>>& last_steps() const { return steps_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;

 private:
  ValueRange range_;
  int num_ops_;
  float factor_;
  Resampling resampling_;
  std::vector<std::vector<PolicyStep>> steps_;
};

}  // namespace minidl
