#include <minidl/layers/merge/average.hpp>

namespace minidl {

Tensor Average::merge(const std::vector<Tensor>& xs, bool /*training*/) {
  Tensor y = Tensor::zeros(xs[0].shape());
  const Index n = y.size();
  float* out = y.data();
  for (const Tensor& x : xs) {
    const float* in = x.data();
#pragma omp parallel for simd if (n > (Index(1) << 16))
    for (Index i = 0; i < n; ++i) out[i] += in[i];
  }
  // Divided, not multiplied by 1/n: Keras' rounding.
  const float count = static_cast<float>(xs.size());
  for (Index i = 0; i < n; ++i) out[i] /= count;
  return y;
}

std::vector<Tensor> Average::merge_backward(const Tensor& dy) {
  Tensor scaled(dy.shape());
  const float count = static_cast<float>(inputs_count());
  for (Index i = 0; i < dy.size(); ++i) scaled[i] = dy[i] / count;
  std::vector<Tensor> dxs;
  for (Index k = 0; k < inputs_count(); ++k) dxs.push_back(scaled.share());
  return dxs;
}

Average Average::from_config(const LayerConfig& /*config*/) {
  return Average();
}

}  // namespace minidl
