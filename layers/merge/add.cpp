#include <minidl/layers/merge/add.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/relu.hpp>

namespace minidl {

Tensor Add::merge(const std::vector<Tensor>& xs, bool training) {
  if (training) relu_output_ = Tensor();
  return sum(xs, /*relu=*/false);
}

Tensor Add::forward_relu(const std::vector<Tensor>& xs, bool training) {
  check_inputs(xs);
  Tensor y = sum(xs, /*relu=*/true);
  if (training) relu_output_ = y.share();
  return y;
}

Tensor Add::forward_normalized(const std::vector<Tensor>& xs, std::size_t normalized,
                               const NormalizationMap& map, bool relu) {
  check_inputs(xs);
  if (xs.size() != 2 || normalized > 1) {
    throw Error(label() + ": adds a normalized input to one other, got " +
                std::to_string(xs.size()) + " inputs");
  }
  Tensor y(xs[0].shape());
  const Index c = y.dim(y.rank() - 1), rows = y.size() / c;
  const float* in = xs[normalized].data();
  const float* other = xs[1 - normalized].data();
  float* out = y.data();
#pragma omp parallel for schedule(static) if (y.size() > (Index(1) << 16))
  for (Index r = 0; r < rows; ++r) {
#pragma omp simd
    for (Index j = 0; j < c; ++j) {
      const float v = map(in[r * c + j], j) + other[r * c + j];
      out[r * c + j] = relu ? relu_value(v) : v;
    }
  }
  relu_output_ = relu ? y.share() : Tensor();
  return y;
}

// With relu, the last pass applies ReLU as ReLU() does.
Tensor Add::sum(const std::vector<Tensor>& xs, bool relu) const {
  Tensor y(xs[0].shape());
  const Index n = y.size();
  float* out = y.data();
  const float* a = xs[0].data();
  const float* b = xs[1].data();
  const bool relu_first = relu && xs.size() == 2;
#pragma omp parallel for simd if (n > (Index(1) << 16))
  for (Index i = 0; i < n; ++i) out[i] = relu_first ? relu_value(a[i] + b[i]) : a[i] + b[i];
  for (std::size_t k = 2; k < xs.size(); ++k) {
    const float* c = xs[k].data();
    const bool relu_here = relu && k + 1 == xs.size();
#pragma omp parallel for simd if (n > (Index(1) << 16))
    for (Index i = 0; i < n; ++i) out[i] = relu_here ? relu_value(out[i] + c[i]) : out[i] + c[i];
  }
  return y;
}

// The same buffer for every input: the model sums gradients into new tensors, never in place.
std::vector<Tensor> Add::merge_backward(const Tensor& dy) {
  Tensor g = dy.share();
  if (!relu_output_.empty()) {
    g = Tensor(dy.shape());
    const float* y = relu_output_.data();
    const float* d = dy.data();
    float* out = g.data();
    const Index n = dy.size();
#pragma omp parallel for simd if (n > (Index(1) << 16))
    for (Index i = 0; i < n; ++i) out[i] = d[i] * relu_slope(y[i]);
  }
  std::vector<Tensor> dxs;
  for (Index k = 0; k < inputs_count(); ++k) dxs.push_back(g.share());
  return dxs;
}

Add Add::from_config(const LayerConfig& /*config*/) {
  return Add();
}

}  // namespace minidl
