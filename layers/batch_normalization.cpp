#include <minidl/layers/batch_normalization.hpp>

#include <fmt/core.h>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>

namespace minidl {

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
  const Eigen::RowVectorXf mean = in.colwise().mean();
  const Eigen::RowVectorXf var =
      (in.rowwise() - mean).array().square().colwise().sum() / static_cast<float>(rows);
  inv_std_ = Tensor(Shape{c});
  auto inv_std = detail::matrix(inv_std_, 1).row(0).array();
  inv_std = (var.array() + epsilon_).rsqrt();
  normalized_ = Tensor(x.shape());
  auto xhat = detail::matrix(normalized_, rows);
  xhat = (in.rowwise() - mean).array().rowwise() * inv_std;
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
  const Eigen::RowVectorXf dbeta = g.colwise().sum();
  const Eigen::RowVectorXf dgamma = (g.array() * xhat.array()).colwise().sum();
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
