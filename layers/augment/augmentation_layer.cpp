#include <minidl/layers/augment/augmentation_layer.hpp>

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
