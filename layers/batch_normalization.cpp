#include <minidl/layers/batch_normalization.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/communicator.hpp>
#include <minidl/core/error.hpp>
#include <minidl/layers/relu.hpp>

namespace minidl {
namespace {

constexpr Index kBlockRows = 256;  // rows summed in float before the sums go to double

// Per channel: the count of values, their mean and the sum of their squared deviations from it.
struct Moments {
  double count = 0.0;
  std::vector<double> mean, m2;
};

// Adds the moments of `count` more values per channel (mean, m2) into `into` (Chan et al.'s
// pairwise formula).
void merge_moments(Moments& into, double count, const double* mean, const double* m2) {
  if (count == 0.0) return;
  const double total = into.count + count;
  for (std::size_t j = 0; j < into.mean.size(); ++j) {
    const double delta = mean[j] - into.mean[j];
    into.mean[j] += delta * count / total;
    into.m2[j] += m2[j] + delta * delta * into.count * count / total;
  }
  into.count = total;
}

// Per-channel moments of the rows of a row-major (rows, c) array, in one pass: Welford's update in
// double within blocks of kBlockRows rows (in parallel), the blocks then merged in block order
// (Chan et al.'s pairwise formula). Neither a large common offset nor an outlier costs precision
// (no sum(x^2) - sum(x)^2 cancellation), and the result does not depend on the thread count. The
// channels are innermost, so the loops vectorise; the pass is bound by memory, so double arithmetic
// costs nothing measurable.
Moments moments(const float* x, Index rows, Index c) {
  const Index blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<double> partial(static_cast<std::size_t>(2 * blocks * c), 0.0);
  std::vector<double> inverse(static_cast<std::size_t>(kBlockRows));  // 1/k for the k-th row
  for (Index k = 0; k < kBlockRows; ++k) inverse[std::size_t(k)] = 1.0 / double(k + 1);
#pragma omp parallel for schedule(static) if (rows * c > (Index(1) << 16))
  for (Index k = 0; k < blocks; ++k) {
    double* mean = partial.data() + 2 * k * c;
    double* m2 = mean + c;  // sum of squared deviations from the running mean
    const Index r0 = k * kBlockRows, r1 = std::min(rows, (k + 1) * kBlockRows);
    for (Index r = r0; r < r1; ++r) {
      const float* xr = x + r * c;
      const double inv = inverse[std::size_t(r - r0)];
#pragma omp simd
      for (Index j = 0; j < c; ++j) {
        const double delta = xr[j] - mean[j];
        mean[j] += delta * inv;
        m2[j] += delta * (xr[j] - mean[j]);
      }
    }
  }
  Moments all{0.0, std::vector<double>(static_cast<std::size_t>(c), 0.0),
              std::vector<double>(static_cast<std::size_t>(c), 0.0)};
  for (Index k = 0; k < blocks; ++k) {
    const double n = double(std::min(rows, (k + 1) * kBlockRows) - k * kBlockRows);
    merge_moments(all, n, &partial[2 * k * c], &partial[2 * k * c + c]);
  }
  return all;
}

// The moments of the global batch from every rank's: gathered, then merged in rank order, so
// that every rank computes the same numbers, as precise as one rank's over the whole batch.
Moments global_moments(Communicator& communicator, const Moments& local) {
  const std::size_t c = local.mean.size(), per_rank = 2 * c + 1;
  std::vector<double> sent(per_rank);
  sent[0] = local.count;
  std::copy(local.mean.begin(), local.mean.end(), sent.begin() + 1);
  std::copy(local.m2.begin(), local.m2.end(), sent.begin() + 1 + std::ptrdiff_t(c));
  std::vector<double> all(per_rank * std::size_t(communicator.size()));
  communicator.allgather(sent.data(), per_rank, all.data());
  Moments global{0.0, std::vector<double>(c, 0.0), std::vector<double>(c, 0.0)};
  for (int r = 0; r < communicator.size(); ++r) {
    const double* part = &all[per_rank * std::size_t(r)];
    merge_moments(global, part[0], part + 1, part + 1 + c);
  }
  return global;
}

// dy where the output was computed, multiplied by a fused ReLU's slope there when Relu: the
// output before the ReLU is x_hat * gamma + beta, recomputed as forward computed it.
template <bool Relu>
inline float masked(float dy, float xhat, const NormalizationMap& ch, Index j) {
  return Relu ? dy * relu_slope(xhat * ch.gamma[j] + ch.beta[j]) : dy;
}

// Per-channel sums of dy' and dy' * x_hat in one pass (dy' = masked dy), in blocks as
// mean_and_variance: the result does not depend on the thread count.
template <bool Relu>
std::pair<std::vector<double>, std::vector<double>> gradient_sums(const float* dy, const float* x,
                                                                  const NormalizationMap& ch,
                                                                  Index rows, Index c) {
  const Index blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<float> partial(static_cast<std::size_t>(2 * blocks * c), 0.0f);
#pragma omp parallel for schedule(static) if (rows * c > (Index(1) << 16))
  for (Index k = 0; k < blocks; ++k) {
    float* sum_dy = partial.data() + 2 * k * c;
    float* sum_dy_xhat = sum_dy + c;
    const Index r1 = std::min(rows, (k + 1) * kBlockRows);
    for (Index r = k * kBlockRows; r < r1; ++r) {
      const float* gr = dy + r * c;
      const float* xr = x + r * c;
#pragma omp simd
      for (Index j = 0; j < c; ++j) {
        const float xhat = (xr[j] - ch.mean[j]) * ch.inv_std[j];
        const float d = masked<Relu>(gr[j], xhat, ch, j);
        sum_dy[j] += d;
        sum_dy_xhat[j] += d * xhat;
      }
    }
  }
  std::vector<double> total_dy(static_cast<std::size_t>(c), 0.0), total_dy_xhat(total_dy);
  for (Index k = 0; k < blocks; ++k) {
    for (Index j = 0; j < c; ++j) {
      total_dy[j] += partial[2 * k * c + j];
      total_dy_xhat[j] += partial[2 * k * c + c + j];
    }
  }
  return {std::move(total_dy), std::move(total_dy_xhat)};
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

bool BatchNormalization::inference_affine(std::vector<float>* scale,
                                          std::vector<float>* shift) const {
  const Index c = gamma_.value.size();
  scale->resize(static_cast<std::size_t>(c));
  shift->resize(static_cast<std::size_t>(c));
  // y = x * scale + shift with scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
  for (Index j = 0; j < c; ++j) {
    (*scale)[j] = gamma_.value[j] / std::sqrt(moving_variance_.value[j] + epsilon_);
    (*shift)[j] = beta_.value[j] - moving_mean_.value[j] * (*scale)[j];
  }
  return true;
}

Tensor BatchNormalization::forward(const Tensor& x, bool training) {
  return normalize(x, training, /*relu=*/false);
}

Tensor BatchNormalization::forward_relu(const std::vector<Tensor>& xs, bool training) {
  if (xs.size() != 1) throw Error(label() + ": takes one input, got " + std::to_string(xs.size()));
  return normalize(xs[0], training, /*relu=*/true);
}

Tensor BatchNormalization::normalize(const Tensor& x, bool training, bool relu) {
  check_input(x);
  const Index c = gamma_.value.size(), rows = x.size() / c;
  const float* in = x.data();
  Tensor y(x.shape());
  float* out = y.data();
  if (!training) {
    std::vector<float> scale, shift;
    inference_affine(&scale, &shift);
    for_rows(rows, c, [&, sc = scale.data(), sh = shift.data()](Index r) {
#pragma omp simd
      for (Index j = 0; j < c; ++j) {
        const float v = in[r * c + j] * sc[j] + sh[j];
        out[r * c + j] = relu ? relu_value(v) : v;
      }
    });
    return y;
  }
  const NormalizationMap map = forward_statistics(x);
  relu_ = relu;
  for_rows(rows, c, [&](Index r) {
    const float* xr = in + r * c;
    float* yr = out + r * c;
#pragma omp simd
    for (Index j = 0; j < c; ++j) {
      const float v = map(xr[j], j);
      yr[j] = relu ? relu_value(v) : v;
    }
  });
  return y;
}

NormalizationMap BatchNormalization::forward_statistics(const Tensor& x) {
  check_input(x);
  const Index c = gamma_.value.size();
  const Moments local = moments(x.data(), x.size() / c, c);
  const Moments batch = sync_ ? global_moments(*sync_, local) : local;
  use_batch_moments(batch.count, batch.mean, batch.m2);
  input_ = x.share();
  relu_ = false;
  return statistics_map();
}

NormalizationMap BatchNormalization::statistics_map() const {
  return {mean_.data(), inv_std_.data(), gamma_.value.data(), beta_.value.data()};
}

void BatchNormalization::use_batch_moments(double count, const std::vector<double>& mean,
                                           const std::vector<double>& m2) {
  const Index c = gamma_.value.size();
  mean_ = Tensor(Shape{c});
  inv_std_ = Tensor(Shape{c});
  count_ = count;
  for (Index j = 0; j < c; ++j) {
    mean_[j] = static_cast<float>(mean[j]);
    const auto var = static_cast<float>(m2[j] / count);
    inv_std_[j] = 1.0f / std::sqrt(var + epsilon_);
    moving_mean_.value[j] = moving_mean_.value[j] * momentum_ + mean_[j] * (1.0f - momentum_);
    moving_variance_.value[j] = moving_variance_.value[j] * momentum_ + var * (1.0f - momentum_);
  }
}

void BatchNormalization::join_collectives(bool backward) {
  if (!sync_) return;
  const Index c = gamma_.value.size();
  if (!backward) {
    // No rows: count 0, so the global moments are the other ranks'; the moving statistics are
    // updated with them as everywhere else.
    const Moments none{0.0, std::vector<double>(std::size_t(c), 0.0),
                       std::vector<double>(std::size_t(c), 0.0)};
    const Moments batch = global_moments(*sync_, none);
    use_batch_moments(batch.count, batch.mean, batch.m2);
    input_ = Tensor();
  } else if (input_gradient()) {
    std::vector<double> sums(static_cast<std::size_t>(2 * c), 0.0);
    sync_->allreduce_sum(sums.data(), sums.size());
  }
}

std::optional<NormalizationGradient> BatchNormalization::backward_map(const Tensor& dy) {
  check_backward(batch_of(input_), dy);
  const Index c = gamma_.value.size(), rows = dy.size() / c;
  const float* g = dy.data();
  const float* x = input_.data();
  const NormalizationMap ch = statistics_map();
  auto [dbeta, dgamma] =
      relu_ ? gradient_sums<true>(g, x, ch, rows, c) : gradient_sums<false>(g, x, ch, rows, c);
  // gamma's and beta's gradients are this rank's part: the model sums them over the ranks.
  for (Index j = 0; j < c; ++j) {
    beta_.grad[j] += static_cast<float>(dbeta[j]);
    gamma_.grad[j] += static_cast<float>(dgamma[j]);
  }
  if (!input_gradient()) return std::nullopt;
  if (sync_) {
    // dx needs the sums over the global batch its statistics came from.
    std::vector<double> sums(dbeta);
    sums.insert(sums.end(), dgamma.begin(), dgamma.end());
    sync_->allreduce_sum(sums.data(), sums.size());
    std::copy(sums.begin(), sums.begin() + c, dbeta.begin());
    std::copy(sums.begin() + c, sums.end(), dgamma.begin());
  }
  NormalizationGradient map;
  map.dy = dy.share();
  map.relu = relu_;
  map.count = static_cast<float>(count_);
  map.statistics = ch;
  for (Index j = 0; j < c; ++j) {
    map.k.push_back(ch.gamma[j] * ch.inv_std[j] / map.count);
    map.sum_dy.push_back(static_cast<float>(dbeta[j]));
    map.sum_dy_xhat.push_back(static_cast<float>(dgamma[j]));
  }
  return map;
}

Tensor BatchNormalization::backward(const Tensor& dy) {
  const std::optional<NormalizationGradient> map = backward_map(dy);
  if (!map) return {};
  const Index c = map->channels(), rows = dy.size() / c;
  const Index blocks = (rows + kBlockRows - 1) / kBlockRows;
  Tensor dx(dy.shape());
#pragma omp parallel for schedule(static) if (rows * c > (Index(1) << 16))
  for (Index b = 0; b < blocks; ++b) {
    const Index first = b * kBlockRows, offset = first * c;
    map->apply(input_.data() + offset, dy.data() + offset, std::min(kBlockRows, rows - first),
               dx.data() + offset);
  }
  return dx;
}

Json BatchNormalization::get_config() const {
  return {{"axis", -1},
          {"momentum", momentum_},
          {"epsilon", epsilon_},
          {"center", true},
          {"scale", true}};
}

BatchNormalization BatchNormalization::from_config(const LayerConfig& config) {
  const Json axis = config.has("axis") ? config.json().at("axis") : Json(-1);
  if (axis != -1 && axis != 3 && axis != Json::array({-1}) && axis != Json::array({3})) {
    config.fail("axis", "is " + axis.dump() +
                            ", minidl normalizes the last axis (channels_last) only: -1 or 3");
  }
  config.require("center", true, "minidl's BatchNormalization always has beta");
  config.require("scale", true, "minidl's BatchNormalization always has gamma");
  config.require("renorm", false, "batch renormalization is not implemented");
  return BatchNormalization(config.number("momentum", 0.99f), config.number("epsilon", 1e-3f));
}

}  // namespace minidl
