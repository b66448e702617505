#include <minidl/layers/normalization_maps.hpp>

#include <minidl/layers/relu.hpp>

namespace minidl {
namespace {

template <bool Relu>
void apply_rows(const NormalizationGradient& g, const float* x, const float* dy, Index rows,
                float* dx) {
  const Index c = g.channels();
  const float *mean = g.statistics.mean, *inv_std = g.statistics.inv_std;
  const float *gamma = g.statistics.gamma, *beta = g.statistics.beta;
  const float *k = g.k.data(), *sum_dy = g.sum_dy.data();
  const float* sum_dy_xhat = g.sum_dy_xhat.data();
  for (Index r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    const float* gr = dy + r * c;
    float* out = dx + r * c;
#pragma omp simd
    for (Index j = 0; j < c; ++j) {
      const float xhat = (xr[j] - mean[j]) * inv_std[j];
      // The output before the ReLU is recomputed as forward computed it.
      const float d = Relu ? gr[j] * relu_slope(xhat * gamma[j] + beta[j]) : gr[j];
      out[j] = ((d * g.count - sum_dy[j]) - xhat * sum_dy_xhat[j]) * k[j];
    }
  }
}

}  // namespace

void NormalizationGradient::apply(const float* x, const float* dy_rows, Index rows,
                                  float* dx) const {
  (relu ? apply_rows<true> : apply_rows<false>)(*this, x, dy_rows, rows, dx);
}

}  // namespace minidl
