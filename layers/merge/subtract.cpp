#include <minidl/layers/merge/subtract.hpp>

#include <minidl/core/error.hpp>

namespace minidl {

Shape Subtract::merged_shape(const std::vector<Shape>& s) const {
  if (s.size() != 2) {
    throw Error(label() + ": expected exactly 2 inputs, got " + std::to_string(s.size()));
  }
  return same_shapes(s);
}

Tensor Subtract::merge(const std::vector<Tensor>& xs, bool /*training*/) {
  Tensor y(xs[0].shape());
  const Index n = y.size();
  float* out = y.data();
  const float* a = xs[0].data();
  const float* b = xs[1].data();
#pragma omp parallel for simd if (n > (Index(1) << 16))
  for (Index i = 0; i < n; ++i) out[i] = a[i] - b[i];
  return y;
}

std::vector<Tensor> Subtract::merge_backward(const Tensor& dy) {
  Tensor negative(dy.shape());
  const Index n = dy.size();
  for (Index i = 0; i < n; ++i) negative[i] = -dy[i];
  std::vector<Tensor> dxs;
  dxs.push_back(dy.share());
  dxs.push_back(std::move(negative));
  return dxs;
}

Subtract Subtract::from_config(const LayerConfig& /*config*/) {
  return Subtract();
}

}  // namespace minidl
