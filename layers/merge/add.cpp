#include <minidl/layers/merge/add.hpp>

namespace minidl {

Tensor Add::merge(const std::vector<Tensor>& xs, bool /*training*/) {
  Tensor y(xs[0].shape());
  const Index n = y.size();
  float* out = y.data();
  const float* a = xs[0].data();
  const float* b = xs[1].data();
#pragma omp parallel for simd if (n > (Index(1) << 16))
  for (Index i = 0; i < n; ++i) out[i] = a[i] + b[i];
  for (std::size_t k = 2; k < xs.size(); ++k) {
    const float* c = xs[k].data();
#pragma omp parallel for simd if (n > (Index(1) << 16))
    for (Index i = 0; i < n; ++i) out[i] += c[i];
  }
  return y;
}

// The same buffer for every input: the model sums gradients into new tensors, never in place.
std::vector<Tensor> Add::merge_backward(const Tensor& dy) {
  std::vector<Tensor> dxs;
  for (Index k = 0; k < inputs_count(); ++k) dxs.push_back(dy.share());
  return dxs;
}

}  // namespace minidl
