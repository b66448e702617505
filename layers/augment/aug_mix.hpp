// AugMix(value_range = (0, 255), num_chains = 3, chain_depth = (1, 3), factor = 0.3,
// alpha = 1.0, all_ops = true, interpolation = "bilinear"): per image, num_chains chains of
// chain_depth ops (a depth drawn uniformly from the range per chain; ops from policy_ops.hpp,
// without Identity, and without the colour ops Brightness, Color, Contrast, Sharpness unless
// all_ops), each at magnitude m ~ U[0, factor]; the chains mixed with weights w ~ Dirichlet(alpha)
// and the result with the image, m0 ~ Beta(alpha, alpha): y = m0 x + (1 - m0) sum_k w_k chain_k(x)
// (Hendrycks et al. 2020, torchvision's per-image weights).
// Departures from Keras 3: Keras draws the weights once per batch and its chain ops with Python's
// unseeded random module; minidl draws everything per image from its seed. Masks and boxes are
// refused: a blend of differently moved views has no one geometry. Inference: identity.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/policy_ops.hpp>

namespace minidl {

class AugMix : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<AugMix>(std::move(*this));
  }
  explicit AugMix(ValueRange value_range = {}, int num_chains = 3,
                  std::pair<int, int> chain_depth = {1, 3}, float factor = 0.3f, float alpha = 1.0f,
                  bool all_ops = true, const std::string& interpolation = "bilinear",
                  std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "AugMix"; }
  Json get_config() const override;
  static AugMix from_config(const LayerConfig& config);

  // One image's draws: its chains, their weights, and the share of the original image.
  struct Draw {
    std::vector<std::vector<PolicyStep>> chains;
    std::vector<float> weights;
    float original = 0.0f;
  };
  const std::vector<Draw>& last_draws() const { return draws_; }

 protected:
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void check_annotations_supported(const AnnotatedImages& batch) const override;

 private:
  ValueRange range_;
  int num_chains_;
  std::pair<int, int> depth_;
  float factor_, alpha_;
  bool all_ops_;
  Resampling resampling_;
  std::vector<PolicyOp> ops_;
  std::vector<Draw> draws_;
};

}  // namespace minidl
