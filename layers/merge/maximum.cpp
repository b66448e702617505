#include <minidl/layers/merge/maximum.hpp>

namespace minidl {

Tensor Maximum::merge(const std::vector<Tensor>& xs, bool training) {
  Tensor y = xs[0].clone();
  Tensor winner = training ? Tensor::zeros(y.shape()) : Tensor();
  const Index n = y.size();
  float* out = y.data();
  for (std::size_t k = 1; k < xs.size(); ++k) {
    const float* in = xs[k].data();
    float* w = training ? winner.data() : nullptr;
    const float index = static_cast<float>(k);
#pragma omp parallel for if (n > (Index(1) << 16))
    for (Index i = 0; i < n; ++i) {
      if (in[i] > out[i]) {
        out[i] = in[i];
        if (w) w[i] = index;
      }
    }
  }
  if (training) winner_ = std::move(winner);
  return y;
}

std::vector<Tensor> Maximum::merge_backward(const Tensor& dy) {
  check_backward(batch_of(winner_), dy);
  std::vector<Tensor> dxs;
  const Index n = dy.size();
  for (Index k = 0; k < inputs_count(); ++k) {
    Tensor dx(dy.shape());
    const float index = static_cast<float>(k);
    for (Index i = 0; i < n; ++i) dx[i] = winner_[i] == index ? dy[i] : 0.0f;
    dxs.push_back(std::move(dx));
  }
  return dxs;
}

Maximum Maximum::from_config(const LayerConfig& /*config*/) {
  return Maximum();
}

}  // namespace minidl
