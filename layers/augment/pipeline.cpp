#include <minidl/layers/augment/pipeline.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>

namespace minidl {

Pipeline::Pipeline(AugmentationLayers layers, std::optional<std::uint64_t> seed)
    : AugmentationComposite(std::move(layers), seed) {}

Shape Pipeline::build_impl(const Shape& s) {
  Shape shape = AugmentationLayer::build_impl(s);
  for (const auto& l : layers_) shape = l->build(shape);
  return shape;
}

void Pipeline::draw(Index n, const SampleStreams& streams) {
  draw_all(n, streams);
}

template <class Step>
void Pipeline::chain(const float* in, float* out, Index channels, const Step& step) const {
  std::vector<float> a, b;
  const float* from = in;
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const Shape& s = layers_[k]->output_shape();
    const Index size = s[0] * s[1] * channels;
    float* to = out;
    if (k + 1 < layers_.size()) {
      std::vector<float>& buffer = k % 2 ? b : a;
      buffer.resize(std::size_t(size));
      to = buffer.data();
    }
    step(*layers_[k], from, to);
    from = to;
  }
  if (layers_.empty()) std::copy(in, in + height() * width() * channels, out);
}

void Pipeline::transform(Index i, const float* in, float* out) const {
  chain(in, out, channels(), [i](const AugmentationLayer& l, const float* from, float* to) {
    inner_transform(l, i, from, to);
  });
}

void Pipeline::transform_mask(Index i, const float* in, float* out, float fill) const {
  chain(in, out, 1, [i, fill](const AugmentationLayer& l, const float* from, float* to) {
    inner_mask(l, i, from, to, fill);
  });
}

void Pipeline::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  for (const auto& l : layers_) {
    inner_boxes(*l, i, boxes);
    // Clipped to each layer's output as that layer alone would; the boxes left empty are dropped,
    // with their labels, by the caller's final clip.
    const auto h = float(l->output_shape()[0]), w = float(l->output_shape()[1]);
    for (auto& b : boxes) {
      b = {std::clamp(b[0], 0.0f, w), std::clamp(b[1], 0.0f, h), std::clamp(b[2], 0.0f, w),
           std::clamp(b[3], 0.0f, h)};
    }
  }
}

void Pipeline::prepare_inference(Index n) {
  for (const auto& l : layers_) inner_prepare_inference(*l, n);
}

Tensor Pipeline::forward(const Tensor& x, bool training) {
  check_input(x);
  if (training) {
    draw(x.dim(0), next_sample_streams());
    return transform_batch(x);
  }
  Tensor y = x.share();
  for (const auto& l : layers_) y = (*l)(y, false);
  return y;
}

Tensor Pipeline::backward(const Tensor&) {
  throw Error(label() + ": has no gradient; place it before the layers with weights");
}

Json Pipeline::get_config() const {
  return {{"layers", layers_config()}};
}

Pipeline Pipeline::from_config(const LayerConfig& config) {
  if (!config.has("layers")) config.fail("layers", "is missing");
  return Pipeline(layers_from_json(config.json().at("layers"), config.owner()), config.seed());
}

}  // namespace minidl
