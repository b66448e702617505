#include <cmath>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/models/optimizers.hpp>

using namespace minidl;

namespace {

// One scalar parameter w = 1 whose gradient is 0.5 at every step.
Parameter scalar_parameter() {
  return {"w", Tensor(Shape{1}, {1.0f}), Tensor(Shape{1}, {0.5f})};
}

float run_steps(Optimizer& opt, int steps) {
  Parameter p = scalar_parameter();
  for (int i = 0; i < steps; ++i) opt.step({&p});
  return p.value[0];
}

}  // namespace

TEST_CASE("SGD: w -= lr * g") {
  SGD sgd(0.1f);
  CHECK(run_steps(sgd, 1) == Approx(0.95f));
  SGD sgd2(0.1f);
  CHECK(run_steps(sgd2, 3) == Approx(0.85f));
}

TEST_CASE("SGD with momentum, hand-computed two steps") {
  // v1 = -0.05, w1 = 0.95; v2 = 0.9 * -0.05 - 0.05 = -0.095, w2 = 0.855.
  SGD sgd(0.1f, 0.9f);
  CHECK(run_steps(sgd, 2) == Approx(0.855f));
}

TEST_CASE("SGD with Nesterov momentum, hand-computed two steps") {
  // v1 = -0.05, w1 = 1 + 0.9 * -0.05 - 0.05 = 0.905;
  // v2 = -0.095, w2 = 0.905 + 0.9 * -0.095 - 0.05 = 0.7695.
  SGD sgd(0.1f, 0.9f, /*nesterov=*/true);
  CHECK(run_steps(sgd, 2) == Approx(0.7695f));
}

TEST_CASE("Adam, hand-computed two steps with Keras' defaults") {
  // Step 1: m = 0.05, v = 0.00025, alpha = 0.1 * sqrt(0.001) / 0.1 = 0.0316228;
  //   w1 = 1 - 0.0316228 * 0.05 / (0.0158114 + 1e-7) = 0.90000063.
  // Step 2: m = 0.095, v = 0.00049975, alpha = 0.1 * sqrt(1 - 0.998001) / 0.19 = 0.0235321;
  //   w2 = w1 - 0.0235321 * 0.095 / (0.0223551 + 1e-7) = 0.80000126.
  Adam adam(0.1f);
  CHECK(run_steps(adam, 1) == Approx(0.90000063).epsilon(1e-6));
  Adam adam2(0.1f);
  CHECK(run_steps(adam2, 2) == Approx(0.80000126).epsilon(1e-6));
  CHECK(adam2.iterations() == 2);
  Adam defaults;
  CHECK(defaults.learning_rate() == 1e-3f);
}

TEST_CASE("an optimizer refuses a parameter list that changed between steps") {
  Adam adam;
  Parameter a = scalar_parameter(), b = scalar_parameter();
  adam.step({&a});
  CHECK_THROWS_WITH(adam.step({&a, &b}), Catch::Contains("Adam") && Catch::Contains("2"));
  CHECK_THROWS_AS(SGD(0.1f, -0.5f), Error);
  CHECK_THROWS_AS(Adam(0.1f, 1.0f), Error);
}
