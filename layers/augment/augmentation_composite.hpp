// AugmentationComposite: what Pipeline, RandomApply and RandomChoice share: they hold other
// augmentation layers and run their per-image steps themselves. Every inner layer draws for
// every image of the batch, from its own part of the composite's per-sample streams
// (SampleStreams::part), so the draws keep the properties of Layer::start_epoch (per sample,
// independent of the batch split); the composite then decides per image which inner transforms
// apply. Masks and boxes follow as through the inner layers. The inner layers' own seeds are not
// used: the composite's is.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>

namespace minidl {

using AugmentationLayers = std::vector<std::shared_ptr<AugmentationLayer>>;

class AugmentationComposite : public AugmentationLayer {
 public:
  const AugmentationLayers& layers() const { return layers_; }

 protected:
  AugmentationComposite(AugmentationLayers layers, std::optional<std::uint64_t> seed);

  // An inner layer's steps (AugmentationLayer's protected virtuals).
  static void inner_draw(AugmentationLayer& l, Index n, const SampleStreams& s) { l.draw(n, s); }
  static void inner_transform(const AugmentationLayer& l, Index i, const float* in, float* out) {
    l.transform(i, in, out);
  }
  static void inner_mask(const AugmentationLayer& l, Index i, const float* in, float* out,
                         float fill) {
    l.transform_mask(i, in, out, fill);
  }
  static void inner_boxes(const AugmentationLayer& l, Index i,
                          std::vector<std::array<float, 4>>& boxes) {
    l.transform_boxes(i, boxes);
  }
  static void inner_prepare_inference(AugmentationLayer& l, Index n) { l.prepare_inference(n); }

  // Builds every inner layer for `sample_shape` and throws unless each keeps it, naming `what`.
  void build_all_keeping(const Shape& sample_shape, const char* what);
  // Inner layer k draws for n images from part k of `streams`.
  void draw_all(Index n, const SampleStreams& streams);
  // {"layers": [{"class_name": ..., "config": ...}, ...]}, Keras' form of nested layers.
  Json layers_config() const;
  // The layers of such a list; `owner` starts error messages.
  static AugmentationLayers layers_from_json(const Json& layers, const std::string& owner);

  AugmentationLayers layers_;
};

}  // namespace minidl
