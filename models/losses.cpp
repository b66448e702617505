#include <minidl/models/losses.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/core.h>
#include <minidl/core/detail/eigen.hpp>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

constexpr float kEpsilon = 1e-7f;  // Keras' backend epsilon, used to clip probabilities

void check_predictions(const std::string& owner, const Tensor& predictions) {
  if (predictions.rank() != 2 || predictions.dim(1) < 1) {
    throw Error(owner + ": expected predictions of shape (N,classes), got " +
                predictions.shape().str());
  }
}

// Row-wise softmax of logits and log-sum-exp, computed stably.
void softmax_rows(const Tensor& logits, Tensor& probs, std::vector<float>& log_sum_exp) {
  const Index n = logits.dim(0);
  probs = logits.clone();
  log_sum_exp.resize(n);
  auto p = detail::matrix(probs, n);
  for (Index r = 0; r < n; ++r) {
    const float m = p.row(r).maxCoeff();
    p.row(r).array() = (p.row(r).array() - m).exp();
    const float s = p.row(r).sum();
    p.row(r) /= s;
    log_sum_exp[r] = m + std::log(s);
  }
}

}  // namespace

std::vector<Index> class_ids(const Tensor& labels, Index samples, Index classes,
                             const std::string& owner, const Shape& predictions_shape) {
  const bool column = labels.rank() == 2 && labels.dim(1) == 1;
  if (!(labels.rank() == 1 || column) || labels.dim(0) != samples) {
    throw Error(owner + ": expected labels of shape (" + std::to_string(samples) + ") or (" +
                std::to_string(samples) + ",1) for predictions " + predictions_shape.str() +
                ", got " + labels.shape().str());
  }
  std::vector<Index> ids(samples);
  for (Index i = 0; i < samples; ++i) {
    const float v = labels[i];
    if (!(v >= 0.0f && v < static_cast<float>(classes)) || v != std::floor(v)) {
      throw Error(owner + ": label " + fmt::format("{}", v) + " at index " + std::to_string(i) +
                  " is not a class id in [0," + std::to_string(classes) + ") for predictions " +
                  predictions_shape.str() + " and labels " + labels.shape().str());
    }
    ids[i] = static_cast<Index>(v);
  }
  return ids;
}

float SparseCategoricalCrossentropy::forward(const Tensor& predictions, const Tensor& labels) {
  check_predictions(name(), predictions);
  const Index n = predictions.dim(0), c = predictions.dim(1);
  const std::vector<Index> ids = class_ids(labels, n, c, name(), predictions.shape());
  grad_ = Tensor(predictions.shape());
  auto g = detail::matrix(grad_, n);
  double total = 0.0;
  if (from_logits_) {
    Tensor probs;
    std::vector<float> lse;
    softmax_rows(predictions, probs, lse);
    // d/dz of (lse - z_y) is softmax(z) - onehot(y).
    g = detail::matrix(probs, n);
    for (Index r = 0; r < n; ++r) {
      total += lse[r] - predictions[r * c + ids[r]];
      g(r, ids[r]) -= 1.0f;
    }
  } else {
    const auto p = detail::matrix(predictions, n);
    for (Index r = 0; r < n; ++r) {
      // loss = -log(clip(p_y / S)), S = sum(p): d/dp_j = -[j==y]/p_y + 1/S while p_y/S is inside
      // the clip range, 0 otherwise.
      const float s = p.row(r).sum();
      const float q = p(r, ids[r]) / s;
      const float qc = std::clamp(q, kEpsilon, 1.0f - kEpsilon);
      total += -std::log(qc);
      const bool inside = q == qc;
      g.row(r).setConstant(inside ? 1.0f / s : 0.0f);
      if (inside) g(r, ids[r]) -= 1.0f / p(r, ids[r]);
    }
  }
  g /= static_cast<float>(n);
  return static_cast<float>(total / n);
}

Tensor SparseCategoricalCrossentropy::backward() {
  if (grad_.empty()) throw Error(name() + ": backward called before forward");
  return grad_.share();
}

float CategoricalCrossentropy::forward(const Tensor& predictions, const Tensor& targets) {
  check_predictions(name(), predictions);
  if (targets.shape() != predictions.shape()) {
    throw Error(name() + ": expected targets of the predictions' shape " +
                predictions.shape().str() + ", got " + targets.shape().str());
  }
  const Index n = predictions.dim(0);
  const auto t = detail::matrix(targets, n);
  grad_ = Tensor(predictions.shape());
  auto g = detail::matrix(grad_, n);
  double total = 0.0;
  if (from_logits_) {
    Tensor probs;
    std::vector<float> lse;
    softmax_rows(predictions, probs, lse);
    const auto p = detail::matrix(probs, n);
    const auto z = detail::matrix(predictions, n);
    for (Index r = 0; r < n; ++r) {
      // loss = sum_j t_j (lse - z_j); d/dz_j = softmax_j * sum(t) - t_j
      const float tsum = t.row(r).sum();
      total += tsum * lse[r] - t.row(r).dot(z.row(r));
      g.row(r) = p.row(r) * tsum - t.row(r);
    }
  } else {
    const auto p = detail::matrix(predictions, n);
    for (Index r = 0; r < n; ++r) {
      // loss = -sum_k t_k log(clip(p_k / S)); a clipped term is constant, so only the terms k
      // inside the clip range contribute: d/dp_j = -[j inside] t_j/p_j + sum_{k inside} t_k / S.
      const float s = p.row(r).sum();
      float inside_tsum = 0.0f;
      for (Index j = 0; j < p.cols(); ++j) {
        const float q = p(r, j) / s;
        const float qc = std::clamp(q, kEpsilon, 1.0f - kEpsilon);
        total += -t(r, j) * std::log(qc);
        const bool inside = q == qc;
        if (inside) inside_tsum += t(r, j);
        g(r, j) = inside ? -t(r, j) / p(r, j) : 0.0f;
      }
      g.row(r).array() += inside_tsum / s;
    }
  }
  g /= static_cast<float>(n);
  return static_cast<float>(total / n);
}

Tensor CategoricalCrossentropy::backward() {
  if (grad_.empty()) throw Error(name() + ": backward called before forward");
  return grad_.share();
}

float MeanSquaredError::forward(const Tensor& predictions, const Tensor& targets) {
  if (targets.shape() != predictions.shape() || predictions.rank() < 1) {
    throw Error(name() + ": expected targets of the predictions' shape " +
                predictions.shape().str() + ", got " + targets.shape().str());
  }
  grad_ = Tensor(predictions.shape());
  auto diff = detail::array(grad_);
  diff = detail::array(predictions) - detail::array(targets);
  const float loss = diff.square().mean();
  diff *= 2.0f / static_cast<float>(predictions.size());
  return loss;
}

Tensor MeanSquaredError::backward() {
  if (grad_.empty()) throw Error(name() + ": backward called before forward");
  return grad_.share();
}

}  // namespace minidl
