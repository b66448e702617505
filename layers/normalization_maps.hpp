// The per-channel maps of a BatchNormalization in training, fixed once the batch statistics (and
// in backward the gradient sums) are known. A graph lets the layer next to the BatchNormalization
// apply them while it reads or writes that data anyway, which saves a pass over memory each:
//   NormalizationMap       y = (x - mean) * inv_std * gamma + beta, applied by an Add reading
//                          the BatchNormalization (Add::forward_normalized);
//   NormalizationGradient  its input gradient, as a map of its output gradient dy and input x:
//     dx = (dy' * count - sum_dy - x_hat * sum_dy_xhat) * k,   x_hat = (x - mean) * inv_std,
//     k = gamma * inv_std / count,   dy' = dy, masked where a fused ReLU's output was 0;
//   applied by the layer before it as it reads its output gradient (Layer::backward_normalized).
#pragma once

#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl {

// Valid until the BatchNormalization's next forward.
struct NormalizationMap {
  const float *mean, *inv_std, *gamma, *beta;  // per channel: the BatchNormalization's own
  float operator()(float x, Index j) const {
    return (x - mean[j]) * inv_std[j] * gamma[j] + beta[j];
  }
};

struct NormalizationGradient {
  Tensor dy;          // the gradient of the BatchNormalization's output (N,...,C)
  bool relu = false;  // a ReLU fused into the BatchNormalization: mask dy where it gave 0
  float count = 0;    // the values per channel the statistics are over (the global batch's)
  NormalizationMap statistics{};              // mean, inv_std, gamma, beta: valid as above
  std::vector<float> k, sum_dy, sum_dy_xhat;  // per channel

  Index channels() const { return static_cast<Index>(k.size()); }
  // dx of `rows` rows of channels() values, from those rows of x and dy; on the calling thread.
  void apply(const float* x, const float* dy, Index rows, float* dx) const;
};

}  // namespace minidl
