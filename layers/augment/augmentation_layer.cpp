#include <minidl/layers/augment/augmentation_layer.hpp>

#include <algorithm>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

AugmentationLayer::AugmentationLayer(std::optional<std::uint64_t> seed) {
  if (seed) set_seed(*seed);
}

Shape AugmentationLayer::build_impl(const Shape& s) {
  if (s.rank() != 3) {  // operator() has already turned one image (H,W,C) into a batch of one
    throw Error(label() + ": expected images (N,H,W,C) or one image (H,W,C), got " +
                s.str_batched());
  }
  return s;
}

Tensor AugmentationLayer::operator()(const Tensor& images, bool training) {
  if (images.rank() != 3) return Layer::operator()(images, training);
  Tensor batch = images.share();  // one image: a batch of one, and back
  batch.reshape(images.shape().with_batch(1));
  Tensor out = Layer::operator()(batch, training);
  out.reshape(images.shape());
  return out;
}

AnnotatedImages AugmentationLayer::operator()(const AnnotatedImages& batch, bool training) {
  check_annotations(batch, label());
  check_annotations_supported(batch);
  AnnotatedImages out;
  out.box_format = batch.box_format;
  out.mask_fill = batch.mask_fill;
  out.images = (*this)(batch.images, training);
  if (!training && output_shape() == input_shape()) {  // inference: the identity
    out.masks = batch.masks.share();
    out.boxes = batch.boxes;
    return out;
  }
  const Index n = batch.images.dim(0);
  if (!training) prepare_inference(n);
  const Index in_h = height(), in_w = width();
  const Index out_h = output_shape()[0], out_w = output_shape()[1];
  if (!batch.masks.empty()) {
    out.masks = Tensor(Shape{n, out_h, out_w, 1});
#pragma omp parallel for schedule(static) if (n * out_h * out_w >= (1 << 15))
    for (Index i = 0; i < n; ++i) {
      transform_mask(i, batch.masks.data() + i * in_h * in_w, out.masks.data() + i * out_h * out_w,
                     batch.mask_fill);
    }
  }
  out.boxes = batch.boxes;
  for (Index i = 0; i < Index(out.boxes.size()); ++i) {
    BoundingBoxes& image = out.boxes[std::size_t(i)];
    for (auto& b : image.boxes) b = to_pixel_xyxy(b, batch.box_format, in_h, in_w);
    transform_boxes(i, image.boxes);
    clip_boxes(image, out_h, out_w);
    for (auto& b : image.boxes) b = from_pixel_xyxy(b, batch.box_format, out_h, out_w);
  }
  return out;
}

void AugmentationLayer::transform_mask(Index, const float* in, float* out, float) const {
  std::copy(in, in + height() * width(), out);
}

void AugmentationLayer::transform_boxes(Index, std::vector<std::array<float, 4>>&) const {}

void AugmentationLayer::prepare_inference(Index) {}

void AugmentationLayer::check_annotations_supported(const AnnotatedImages&) const {}

Tensor AugmentationLayer::forward(const Tensor& x, bool training) {
  check_input(x);
  if (!training) return x.share();
  draw(x.dim(0), next_sample_streams());
  return transform_batch(x);
}

Tensor AugmentationLayer::transform_batch(const Tensor& x) const {
  const Index n = x.dim(0), in_size = input_shape().size(), out_size = output_shape().size();
  Tensor out(output_shape().with_batch(n));
#pragma omp parallel for schedule(static) if (n * out_size >= (1 << 15))
  for (Index i = 0; i < n; ++i) transform(i, x.data() + i * in_size, out.data() + i * out_size);
  return out;
}

Tensor AugmentationLayer::backward(const Tensor& dy) {
  check_gradient_shape(dy);
  return dy.share();
}

float probability_of(const LayerConfig& config, const char* key, float fallback) {
  if (!config.has(key)) return fallback;
  if (!config.json().at(key).is_array()) return config.number(key);
  const auto [low, high] = config.range(key);
  return 0.5f * (low + high);
}

void AugmentationLayer::check_range(const char* argument, const FactorRange& r, float min,
                                    float max) const {
  if (!(r.lower <= r.upper && r.lower >= min && r.upper <= max)) {
    throw Error(
        fmt::format("{}: {} must be a range (lower, upper) with {} <= lower <= upper <= {}, "
                    "got ({}, {})",
                    label(), argument, min, max, r.lower, r.upper));
  }
}

}  // namespace minidl
