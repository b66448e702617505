#include <minidl/layers/batch_normalization.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

constexpr Index kBlockRows = 256;  // rows summed in float before the sums go to double

// Per-channel sums over the rows of a row-major (rows, c) array, of f(row_a[j], row_b[j], j) for
// each row. Blocks of kBlockRows rows are summed in float, in parallel, and the block sums added
// in block order in double: the result does not depend on the thread count. The channels are
// innermost, so the loops vectorise.
template <class F>
std::vector<double> channel_sums(const float* a, const float* b, Index rows, Index c, F f) {
  const Index blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<float> partial(static_cast<std::size_t>(blocks * c), 0.0f);
#pragma omp parallel for schedule(static) if (rows * c > (Index(1) << 16))
  for (Index k = 0; k < blocks; ++k) {
    float* sum = partial.data() + k * c;
    const Index r1 = std::min(rows, (k + 1) * kBlockRows);
    for (Index r = k * kBlockRows; r < r1; ++r) {
      const float* ar = a + r * c;
      const float* br = b ? b + r * c : nullptr;
#pragma omp simd
      for (Index j = 0; j < c; ++j) sum[j] += f(ar[j], br ? br[j] : 0.0f, j);
    }
  }
  std::vector<double> total(static_cast<std::size_t>(c), 0.0);
  for (Index k = 0; k < blocks; ++k) {
    for (Index j = 0; j < c; ++j) total[j] += partial[k * c + j];
  }
  return total;
}

std::vector<float> scaled(const std::vector<double>& v, double scale) {
  std::vector<float> out(v.size());
  for (std::size_t j = 0; j < v.size(); ++j) out[j] = static_cast<float>(v[j] * scale);
  return out;
}

// Applies row(in_r, out_r) to every row of (rows, c) arrays in parallel.
template <class F>
void for_rows(Index rows, Index c, F row) {
#pragma omp parallel for schedule(static) if (rows * c > (Index(1) << 16))
  for (Index r = 0; r < rows; ++r) row(r);
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
  const float* gamma = gamma_.value.data();
  const float* beta = beta_.value.data();
  const float* in = x.data();
  Tensor y(x.shape());
  float* out = y.data();
  std::vector<float> scale(static_cast<std::size_t>(c)), shift(static_cast<std::size_t>(c));
  if (!training) {
    // y = x * scale + shift with scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
    for (Index j = 0; j < c; ++j) {
      scale[j] = gamma[j] / std::sqrt(moving_variance_.value[j] + epsilon_);
      shift[j] = beta[j] - moving_mean_.value[j] * scale[j];
    }
    for_rows(rows, c, [&, sc = scale.data(), sh = shift.data()](Index r) {
#pragma omp simd
      for (Index j = 0; j < c; ++j) out[r * c + j] = in[r * c + j] * sc[j] + sh[j];
    });
    return y;
  }
  mean_ = Tensor(Shape{c});
  const std::vector<double> sums =
      channel_sums(in, nullptr, rows, c, [](float a, float, Index) { return a; });
  for (Index j = 0; j < c; ++j) mean_[j] = static_cast<float>(sums[j] / rows);
  // Two passes (mean, then squared deviations), which keeps the variance accurate.
  const float* m = mean_.data();
  const std::vector<float> var =
      scaled(channel_sums(in, nullptr, rows, c,
                          [m](float a, float, Index j) { return (a - m[j]) * (a - m[j]); }),
             1.0 / rows);
  inv_std_ = Tensor(Shape{c});
  for (Index j = 0; j < c; ++j) inv_std_[j] = 1.0f / std::sqrt(var[j] + epsilon_);
  const float* inv = inv_std_.data();
  for_rows(rows, c, [&](Index r) {
    const float* xr = in + r * c;
    float* yr = out + r * c;
#pragma omp simd
    for (Index j = 0; j < c; ++j) yr[j] = (xr[j] - m[j]) * inv[j] * gamma[j] + beta[j];
  });
  input_ = x.share();
  for (Index j = 0; j < c; ++j) {
    moving_mean_.value[j] = moving_mean_.value[j] * momentum_ + m[j] * (1.0f - momentum_);
    moving_variance_.value[j] = moving_variance_.value[j] * momentum_ + var[j] * (1.0f - momentum_);
  }
  return y;
}

Tensor BatchNormalization::backward(const Tensor& dy) {
  check_backward(batch_of(input_), dy);
  const Index c = gamma_.value.size(), rows = dy.size() / c;
  const float* g = dy.data();
  const float* x = input_.data();
  const float* m = mean_.data();
  const float* inv = inv_std_.data();
  const std::vector<double> dbeta =
      channel_sums(g, nullptr, rows, c, [](float a, float, Index) { return a; });
  const std::vector<double> dgamma = channel_sums(
      g, x, rows, c, [m, inv](float a, float b, Index j) { return a * ((b - m[j]) * inv[j]); });
  for (Index j = 0; j < c; ++j) {
    beta_.grad[j] += static_cast<float>(dbeta[j]);
    gamma_.grad[j] += static_cast<float>(dgamma[j]);
  }
  if (!input_gradient()) return {};
  // dx = gamma * inv_std / M * (M * dy - sum(dy) - x_hat * sum(dy * x_hat)), per channel.
  std::vector<float> k(static_cast<std::size_t>(c)), sum_dy(k.size()), sum_dy_xhat(k.size());
  const float count = static_cast<float>(rows);
  for (Index j = 0; j < c; ++j) {
    k[j] = gamma_.value[j] * inv[j] / count;
    sum_dy[j] = static_cast<float>(dbeta[j]);
    sum_dy_xhat[j] = static_cast<float>(dgamma[j]);
  }
  Tensor dx(dy.shape());
  float* out = dx.data();
  for_rows(rows, c, [&, kk = k.data(), sb = sum_dy.data(), sg = sum_dy_xhat.data()](Index r) {
#pragma omp simd
    for (Index j = 0; j < c; ++j) {
      const Index i = r * c + j;
      const float xhat = (x[i] - m[j]) * inv[j];
      out[i] = ((g[i] * count - sb[j]) - xhat * sg[j]) * kk[j];
    }
  });
  return dx;
}

}  // namespace minidl
