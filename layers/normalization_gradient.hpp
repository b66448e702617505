// The input gradient of a BatchNormalization as a per-channel map of its output gradient dy and
// its input x (the batch statistics and the gradient sums are fixed by then):
//   dx = (dy' * count - sum_dy - x_hat * sum_dy_xhat) * k,   x_hat = (x - mean) * inv_std,
//   k = gamma * inv_std / count,   dy' = dy, masked where a fused ReLU's output was 0.
// A graph hands it to the layer before the BatchNormalization (Layer::backward_normalized), which
// applies it block by block as it reads its output gradient, instead of reading a dx tensor
// written out in a pass of its own.
#pragma once

#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl {

struct NormalizationGradient {
  Tensor dy;          // the gradient of the BatchNormalization's output (N,...,C)
  bool relu = false;  // a ReLU fused into the BatchNormalization: mask dy where it gave 0
  float count = 0;    // the values per channel the statistics are over (the global batch's)
  std::vector<float> mean, inv_std, gamma, beta, k, sum_dy, sum_dy_xhat;  // per channel

  Index channels() const { return static_cast<Index>(k.size()); }
  // dx of `rows` rows of channels() values, from those rows of x and dy; on the calling thread.
  void apply(const float* x, const float* dy, Index rows, float* dx) const;
};

}  // namespace minidl
