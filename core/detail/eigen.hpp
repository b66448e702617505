// Internal: Eigen views of Tensor buffers. Only .cpp files include this, so public headers stay
// free of Eigen. Every map is RowMajor (Eigen defaults to column-major) and 64-byte aligned.
#pragma once

#include <Eigen/Core>

#include <minidl/core/tensor.hpp>

namespace minidl::detail {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixView = Eigen::Map<RowMatrix, Eigen::Aligned64>;
using ConstMatrixView = Eigen::Map<const RowMatrix, Eigen::Aligned64>;
using ArrayView = Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64>;
using ConstArrayView = Eigen::Map<const Eigen::ArrayXf, Eigen::Aligned64>;
// For pointers into the middle of a buffer (a block of rows), which need not be aligned.
using UnalignedMatrixView = Eigen::Map<RowMatrix>;
using UnalignedConstMatrixView = Eigen::Map<const RowMatrix>;

// The tensor as a (rows, size/rows) matrix: (N, features) for a batch of N samples.
inline MatrixView matrix(Tensor& t, Index rows) {
  return {t.data(), rows, t.size() / rows};
}
inline ConstMatrixView matrix(const Tensor& t, Index rows) {
  return {t.data(), rows, t.size() / rows};
}
// All elements as one flat array.
inline ArrayView array(Tensor& t) {
  return {t.data(), t.size()};
}
inline ConstArrayView array(const Tensor& t) {
  return {t.data(), t.size()};
}

}  // namespace minidl::detail
