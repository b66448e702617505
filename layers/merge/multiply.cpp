#include <minidl/layers/merge/multiply.hpp>

namespace minidl {

std::optional<std::vector<Tensor*>> Multiply::backward_cache() {
  std::vector<Tensor*> cache;
  for (Tensor& t : inputs_) cache.push_back(&t);
  return cache;
}

Tensor Multiply::merge(const std::vector<Tensor>& xs, bool training) {
  Tensor y = xs[0].clone();
  const Index n = y.size();
  float* out = y.data();
  for (std::size_t k = 1; k < xs.size(); ++k) {
    const float* in = xs[k].data();
#pragma omp parallel for simd if (n > (Index(1) << 16))
    for (Index i = 0; i < n; ++i) out[i] *= in[i];
  }
  if (training) {
    inputs_.clear();
    for (const Tensor& x : xs) inputs_.push_back(x.share());
  }
  return y;
}

std::vector<Tensor> Multiply::merge_backward(const Tensor& dy) {
  check_backward(inputs_.empty() ? -1 : batch_of(inputs_[0]), dy);
  std::vector<Tensor> dxs;
  const Index n = dy.size();
  for (std::size_t k = 0; k < inputs_.size(); ++k) {
    Tensor dx = dy.clone();
    float* g = dx.data();
    for (std::size_t j = 0; j < inputs_.size(); ++j) {
      if (j == k) continue;
      const float* in = inputs_[j].data();
#pragma omp parallel for simd if (n > (Index(1) << 16))
      for (Index i = 0; i < n; ++i) g[i] *= in[i];
    }
    dxs.push_back(std::move(dx));
  }
  return dxs;
}

Multiply Multiply::from_config(const LayerConfig& /*config*/) {
  return Multiply();
}

}  // namespace minidl
