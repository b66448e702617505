// One gradient checker for every layer and loss: analytic gradients against central finite
// differences. For a layer, the scalar is L = sum(forward(x) * w) with fixed random weights w, so
// dL/dy = w is what backward receives; every input element and every parameter element is checked.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/generator.hpp>
#include <minidl/layers/layer.hpp>
#include <minidl/models/losses.hpp>

namespace minidl::testing {

struct Tolerance {
  float step = 1e-2f;      // finite-difference step
  float absolute = 1e-3f;  // |analytic - numeric| <= absolute + relative * max(|a|, |n|)
  float relative = 1e-2f;
};

inline Tensor random_tensor(const Shape& shape, std::uint64_t seed, float low = -1.0f,
                            float high = 1.0f) {
  Generator rng(seed);
  Tensor t(shape);
  for (Index i = 0; i < t.size(); ++i) t[i] = rng.uniform(low, high);
  return t;
}

// Distinct values 0.01 apart in random order: no two elements are within a finite-difference
// step of each other, so a maximum's position (pooling) is stable under the probe.
inline Tensor distinct_values(const Shape& shape, std::uint64_t seed) {
  Tensor t(shape);
  std::vector<Index> order(t.size());
  for (Index i = 0; i < t.size(); ++i) order[i] = i;
  Generator rng(seed);
  rng.shuffle(order.data(), t.size());
  for (Index i = 0; i < t.size(); ++i) t[i] = 0.01f * static_cast<float>(order[i]) - 1.0f;
  return t;
}

inline double weighted_sum(const Tensor& y, const Tensor& w) {
  double s = 0.0;
  for (Index i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * w[i];
  return s;
}

// Compares analytic[i] with the central difference of f around values[i], for every i.
inline void expect_matches_numeric(const std::string& what, float* values, const Tensor& analytic,
                                   const std::function<double()>& f, const Tolerance& tol) {
  Index failures = 0;
  for (Index i = 0; i < analytic.size(); ++i) {
    const float saved = values[i];
    values[i] = saved + tol.step;
    const double up = f();
    values[i] = saved - tol.step;
    const double down = f();
    values[i] = saved;
    const double numeric = (up - down) / (2.0 * tol.step);
    const double a = analytic[i];
    const double bound = tol.absolute + tol.relative * std::max(std::abs(a), std::abs(numeric));
    if (std::abs(a - numeric) > bound && failures++ < 5) {
      UNSCOPED_INFO(what << "[" << i << "]: analytic " << a << ", numeric " << numeric);
    }
  }
  CHECK(failures == 0);
}

// Checks dL/dx and dL/d(parameters) of `layer` (already built) at input x. A layer with random
// draws (Dropout) is checked with its draws fixed: every forward restarts its epoch-0 stream.
inline void check_layer_gradients(Layer& layer, Tensor x, const Tolerance& tol = {},
                                  std::uint64_t seed = 7) {
  for (Parameter* p : layer.parameters()) p->grad.fill(0.0f);
  layer.start_epoch(0);
  const Tensor y = layer.forward(x, /*training=*/true);
  const Tensor w = random_tensor(y.shape(), seed);
  const Tensor dx = layer.backward(w);
  REQUIRE(dx.shape() == x.shape());
  // Training-mode forwards: the gradient is that of the training computation (e.g. BatchNorm's
  // batch statistics). A layer with random draws must repeat them for this to hold.
  auto loss = [&] {
    layer.start_epoch(0);
    return weighted_sum(layer.forward(x, /*training=*/true), w);
  };
  expect_matches_numeric(layer.type() + " input", x.data(), dx, loss, tol);
  for (Parameter* p : layer.parameters()) {
    expect_matches_numeric(layer.type() + " " + p->name, p->value.data(), p->grad, loss, tol);
  }
}

// Checks loss.backward() against finite differences of loss.forward(predictions, targets).
inline void check_loss_gradient(Loss& loss, Tensor predictions, const Tensor& targets,
                                const Tolerance& tol = {}) {
  loss.forward(predictions, targets);
  const Tensor grad = loss.backward();
  REQUIRE(grad.shape() == predictions.shape());
  auto f = [&] { return static_cast<double>(loss.forward(predictions, targets)); };
  expect_matches_numeric(loss.name(), predictions.data(), grad, f, tol);
}

}  // namespace minidl::testing
