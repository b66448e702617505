#include <minidl/models/metrics.hpp>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>
#include <minidl/models/losses.hpp>

namespace minidl {

Index count_correct(const Tensor& predictions, const Tensor& targets) {
  if (predictions.rank() != 2) {
    throw Error("accuracy: expected predictions (N,classes), got " + predictions.shape().str());
  }
  const Index n = predictions.dim(0), c = predictions.dim(1);
  const auto p = detail::matrix(predictions, n);
  Index correct = 0;
  if (c == 1) {
    if (targets.size() != n) {
      throw Error("accuracy: expected targets (" + std::to_string(n) + ",1) for predictions " +
                  predictions.shape().str() + ", got " + targets.shape().str());
    }
    for (Index i = 0; i < n; ++i) correct += (p(i, 0) > 0.5f) == (targets[i] > 0.5f);
    return correct;
  }
  Index predicted;
  if (targets.shape() == predictions.shape()) {
    const auto t = detail::matrix(targets, n);
    Index truth;
    for (Index i = 0; i < n; ++i) {
      p.row(i).maxCoeff(&predicted);
      t.row(i).maxCoeff(&truth);
      correct += predicted == truth;
    }
    return correct;
  }
  const std::vector<Index> ids = class_ids(targets, n, c, "accuracy", predictions.shape());
  for (Index i = 0; i < n; ++i) {
    p.row(i).maxCoeff(&predicted);
    correct += predicted == ids[i];
  }
  return correct;
}

}  // namespace minidl
