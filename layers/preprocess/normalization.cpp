#include <minidl/layers/preprocess/normalization.hpp>

#include <algorithm>
#include <cmath>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

constexpr float kEpsilon = 1e-7f;  // Keras' backend epsilon: the smallest divisor

std::vector<float> inverse_std(const std::vector<float>& variance) {
  std::vector<float> inv(variance.size());
  for (std::size_t i = 0; i < variance.size(); ++i) {
    inv[i] = 1.0f / std::max(std::sqrt(variance[i]), kEpsilon);
  }
  return inv;
}

}  // namespace

Normalization::Normalization(std::vector<float> mean, std::vector<float> variance)
    : mean_(std::move(mean)), variance_(std::move(variance)), inv_std_(inverse_std(variance_)) {
  if (mean_.size() != variance_.size() || mean_.empty()) {
    throw Error("Normalization: mean and variance need one value per feature, got " +
                std::to_string(mean_.size()) + " and " + std::to_string(variance_.size()));
  }
  for (float v : variance_) {
    if (!(v >= 0.0f)) throw Error("Normalization: variance must be >= 0, got " + std::to_string(v));
  }
}

void Normalization::adapt(const Tensor& data) {
  if (data.rank() < 2 || data.empty()) {
    throw Error(label() + ": adapt expects data (N,...,C), got " + data.shape().str());
  }
  const Index c = data.dim(data.rank() - 1), rows = data.size() / c;
  std::vector<double> sum(c, 0.0), sum_sq(c, 0.0);
  for (Index r = 0; r < rows; ++r) {
    for (Index k = 0; k < c; ++k) {
      const double v = data[r * c + k];
      sum[k] += v;
      sum_sq[k] += v * v;
    }
  }
  mean_.resize(c);
  variance_.resize(c);
  for (Index k = 0; k < c; ++k) {
    const double m = sum[k] / rows;
    mean_[k] = static_cast<float>(m);
    variance_[k] = static_cast<float>(std::max(sum_sq[k] / rows - m * m, 0.0));
  }
  inv_std_ = inverse_std(variance_);
}

Shape Normalization::build_impl(const Shape& s) {
  if (mean_.empty()) {
    throw Error(label() + ": no mean and variance; pass them or call adapt(data) first");
  }
  if (s.rank() < 1 || s[s.rank() - 1] != static_cast<Index>(mean_.size())) {
    throw Error(label() + ": adapted to " + std::to_string(mean_.size()) +
                " features on the last axis, got input " + s.str_batched());
  }
  return s;
}

Tensor Normalization::forward(const Tensor& x, bool /*training*/) {
  check_input(x);
  const Index c = static_cast<Index>(mean_.size());
  Tensor y(x.shape());
  for (Index i = 0; i < x.size(); ++i) y[i] = (x[i] - mean_[i % c]) * inv_std_[i % c];
  return y;
}

Tensor Normalization::backward(const Tensor& dy) {
  check_gradient_shape(dy);
  const Index c = static_cast<Index>(mean_.size());
  Tensor dx(dy.shape());
  for (Index i = 0; i < dy.size(); ++i) dx[i] = dy[i] * inv_std_[i % c];
  return dx;
}

Json Normalization::get_config() const {
  Json config = {{"axis", -1}, {"invert", false}};
  config["mean"] = mean_.empty() ? Json(nullptr) : Json(mean_);
  config["variance"] = variance_.empty() ? Json(nullptr) : Json(variance_);
  return config;
}

Normalization Normalization::from_config(const LayerConfig& config) {
  const Json axis = config.has("axis") ? config.json().at("axis") : Json(-1);
  if (axis != -1 && axis != Json::array({-1})) {
    config.fail("axis", "is " + axis.dump() + ", minidl normalizes the last axis only: -1");
  }
  config.require("invert", false, "the inverse normalization is not implemented");
  if (!config.has("mean") && !config.has("variance")) return Normalization();  // adapted later
  return Normalization(config.numbers("mean"), config.numbers("variance"));
}

}  // namespace minidl
