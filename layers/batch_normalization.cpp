#include <minidl/layers/batch_normalization.hpp>

#include <algorithm>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>

namespace minidl {
namespace {

// Per-channel sums over the rows of a row-major (rows, c) array: sums[j] = sum_r a[r][j] * b[r][j]
// (or of a alone when b is null). One pass with the channels innermost, so the loop vectorises;
// Eigen's colwise() reductions of a row-major matrix walk it once per channel instead. The rows go
// in blocks summed in float, added up in double.
std::vector<double> channel_sums(const float* a, const float* b, Index rows, Index c) {
  std::vector<double> total(static_cast<std::size_t>(c), 0.0);
  std::vector<float> block(static_cast<std::size_t>(c));
  constexpr Index kBlock = 256;
  for (Index r0 = 0; r0 < rows; r0 += kBlock) {
    std::fill(block.begin(), block.end(), 0.0f);
    const Index r1 = std::min(rows, r0 + kBlock);
    for (Index r = r0; r < r1; ++r) {
      const float* ar = a + r * c;
      if (b) {
        const float* br = b + r * c;
        for (Index j = 0; j < c; ++j) block[j] += ar[j] * br[j];
      } else {
        for (Index j = 0; j < c; ++j) block[j] += ar[j];
      }
    }
    for (Index j = 0; j < c; ++j) total[j] += block[j];
  }
  return total;
}

Eigen::RowVectorXf to_row(const std::vector<double>& v, double scale) {
  Eigen::RowVectorXf row(static_cast<Index>(v.size()));
  for (std::size_t j = 0; j < v.size(); ++j) row[Index(j)] = static_cast<float>(v[j] * scale);
  return row;
}

}  // namespace

BatchNormalization::BatchNormalization(float momentum, float epsilon)
    : momentum_(momentum), epsilon_(epsilon) {
  if (!(momentum >= 0.0f && momentum <= 1.0f) || !(epsilon > 0.0f)) {
    throw Error(
        fmt::format("BatchNormalization: momentum must be in [0,1] and epsilon > 0, got {} and {}",
                    momentum, epsilon));
  }
}

Shape BatchNormalization::build_impl(const Shape& s) {
  if (s.rank() < 1) {
    throw Error(label() + ": expected input (N,...,C) of rank >= 2, got " + s.str_batched());
  }
  const Shape channels{s[s.rank() - 1]};
  gamma_.value = Tensor(channels, 1.0f);
  beta_.value = Tensor::zeros(channels);
  moving_mean_.value = Tensor::zeros(channels);
  moving_variance_.value = Tensor(channels, 1.0f);
  for (Parameter* p : parameters()) p->grad = Tensor::zeros(channels);
  return s;
}

std::vector<Parameter*> BatchNormalization::parameters() {
  return {&gamma_, &beta_, &moving_mean_, &moving_variance_};
}

Tensor BatchNormalization::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index c = gamma_.value.size(), rows = x.size() / c;
  const auto in = detail::matrix(x, rows);  // (rows, C): every pixel of every image
  const auto gamma = detail::matrix(gamma_.value, 1).row(0).array();
  const auto beta = detail::matrix(beta_.value, 1).row(0).array();
  Tensor y(x.shape());
  auto out = detail::matrix(y, rows);
  if (!training) {
    const auto mean = detail::matrix(moving_mean_.value, 1).row(0).array();
    const auto var = detail::matrix(moving_variance_.value, 1).row(0).array();
    // y = x * scale + shift with scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
    const Eigen::RowVectorXf scale = (gamma / (var + epsilon_).sqrt()).matrix();
    const Eigen::RowVectorXf shift = (beta - mean * scale.array()).matrix();
    out = (in.array().rowwise() * scale.array()).rowwise() + shift.array();
    return y;
  }
  const Eigen::RowVectorXf mean = to_row(channel_sums(x.data(), nullptr, rows, c), 1.0 / rows);
  // Two passes (mean, then squared deviations), which keeps the variance accurate.
  normalized_ = Tensor(x.shape());
  auto xhat = detail::matrix(normalized_, rows);
  xhat = in.rowwise() - mean;
  const Eigen::RowVectorXf var =
      to_row(channel_sums(normalized_.data(), normalized_.data(), rows, c), 1.0 / rows);
  inv_std_ = Tensor(Shape{c});
  auto inv_std = detail::matrix(inv_std_, 1).row(0).array();
  inv_std = (var.array() + epsilon_).rsqrt();
  xhat = xhat.array().rowwise() * inv_std;
  out = (xhat.array().rowwise() * gamma).rowwise() + beta;
  auto mm = detail::matrix(moving_mean_.value, 1).row(0);
  auto mv = detail::matrix(moving_variance_.value, 1).row(0);
  mm = mm * momentum_ + mean * (1.0f - momentum_);
  mv = mv * momentum_ + var * (1.0f - momentum_);
  return y;
}

Tensor BatchNormalization::backward(const Tensor& dy) {
  check_backward(batch_of(normalized_), dy);
  const Index c = gamma_.value.size(), rows = dy.size() / c;
  const auto g = detail::matrix(dy, rows);
  const auto xhat = detail::matrix(normalized_, rows);
  const Eigen::RowVectorXf dbeta = to_row(channel_sums(dy.data(), nullptr, rows, c), 1.0);
  const Eigen::RowVectorXf dgamma =
      to_row(channel_sums(dy.data(), normalized_.data(), rows, c), 1.0);
  detail::matrix(beta_.grad, 1).row(0) += dbeta;
  detail::matrix(gamma_.grad, 1).row(0) += dgamma;
  if (!input_gradient()) return {};
  // dx = gamma * inv_std / M * (M * dy - sum(dy) - x_hat * sum(dy * x_hat)), per channel.
  const Eigen::RowVectorXf k =
      (detail::matrix(gamma_.value, 1).row(0).array() * detail::matrix(inv_std_, 1).row(0).array() /
       static_cast<float>(rows))
          .matrix();
  Tensor dx(dy.shape());
  auto out = detail::matrix(dx, rows);
  out = (((g * static_cast<float>(rows)).rowwise() - dbeta).array() -
         xhat.array().rowwise() * dgamma.array())
            .rowwise() *
        k.array();
  return dx;
}

}  // namespace minidl
