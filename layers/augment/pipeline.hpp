// Pipeline(layers): applies `layers` in order, as Keras 3's Pipeline (a plain sequence, also
// usable in Dataset::map). Each layer draws per image from its own part of the pipeline's streams;
// masks and boxes go through every layer. A layer may change the image size (RandomCrop,
// RandomResizedCrop). Inference: each layer's inference, in order.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/augment/augmentation_composite.hpp>

namespace minidl {

class Pipeline : public AugmentationComposite {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Pipeline>(std::move(*this));
  }
  explicit Pipeline(AugmentationLayers layers, std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "Pipeline"; }
  Json get_config() const override;
  static Pipeline from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;
  void prepare_inference(Index n) override;

 private:
  // Runs step(k, in, out) for every layer k through buffers of each layer's output size.
  template <class Step>
  void chain(const float* in, float* out, Index channels, const Step& step) const;
};

}  // namespace minidl
