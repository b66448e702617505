#include <minidl/layers/activation_fn.hpp>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>

namespace minidl {

ActivationKind parse_activation(const std::string& name, const std::string& owner) {
  if (name.empty() || name == "linear") return ActivationKind::Linear;
  if (name == "relu") return ActivationKind::Relu;
  if (name == "sigmoid") return ActivationKind::Sigmoid;
  if (name == "tanh") return ActivationKind::Tanh;
  if (name == "softmax") return ActivationKind::Softmax;
  throw Error(owner + ": unknown activation '" + name +
              "', expected one of linear, relu, sigmoid, tanh, softmax");
}

std::string activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::Linear:
      return "linear";
    case ActivationKind::Relu:
      return "relu";
    case ActivationKind::Sigmoid:
      return "sigmoid";
    case ActivationKind::Tanh:
      return "tanh";
    case ActivationKind::Softmax:
      return "softmax";
  }
  return "linear";
}

void activation_forward(ActivationKind kind, float* z, Index size, Index cols) {
  Eigen::Map<Eigen::ArrayXf> a(z, size);
  switch (kind) {
    case ActivationKind::Linear:
      return;
    case ActivationKind::Relu:
      a = a.max(0.0f);
      return;
    case ActivationKind::Sigmoid:
      a = 1.0f / (1.0f + (-a).exp());
      return;
    case ActivationKind::Tanh:
      a = a.tanh();
      return;
    case ActivationKind::Softmax: {
      detail::UnalignedMatrixView m(z, size / cols, cols);
      // Subtracting the row maximum keeps exp() from overflowing; the result is unchanged.
      for (Index r = 0; r < m.rows(); ++r) {
        auto row = m.row(r).array();
        row = (row - row.maxCoeff()).exp();
        row /= row.sum();
      }
      return;
    }
  }
}

void activation_backward(ActivationKind kind, const float* y, const float* dy, float* dz,
                         Index size, Index cols) {
  // Element-wise expressions read each dy[i] before writing dz[i], so dz may alias dy.
  const Eigen::Map<const Eigen::ArrayXf> g(dy, size), out(y, size);
  Eigen::Map<Eigen::ArrayXf> result(dz, size);
  switch (kind) {
    case ActivationKind::Linear:
      if (dz != dy) result = g;
      return;
    case ActivationKind::Relu:
      // A plain loop: Eigen's select of a comparison is not vectorised without AVX-512.
#pragma omp simd
      for (Index i = 0; i < size; ++i) {
        const float d = dy[i];
        dz[i] = y[i] > 0.0f ? d : 0.0f;
      }
      return;
    case ActivationKind::Sigmoid:
      result = g * out * (1.0f - out);
      return;
    case ActivationKind::Tanh:
      result = g * (1.0f - out.square());
      return;
    case ActivationKind::Softmax: {
      // dz = y * (dy - sum(dy * y)) row by row: the softmax Jacobian applied without forming it.
      const detail::UnalignedConstMatrixView gm(dy, size / cols, cols);
      const detail::UnalignedConstMatrixView ym(y, size / cols, cols);
      detail::UnalignedMatrixView zm(dz, size / cols, cols);
      for (Index r = 0; r < gm.rows(); ++r) {
        const float dot = gm.row(r).dot(ym.row(r));
        zm.row(r).array() = ym.row(r).array() * (gm.row(r).array() - dot);
      }
      return;
    }
  }
}

}  // namespace minidl
