#include <cmath>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/threads.hpp>
#include <minidl/models/optimizers.hpp>

using namespace minidl;
using Catch::Contains;

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

TEST_CASE("a large parameter is updated in pieces on the threads as one scalar at a time") {
  // 40001 elements: pieces of 16384 and a short last one. Each element must follow the scalar
  // recurrence of its own gradient, whatever the piece and thread; AdamW's decay included.
  const Index n = 40001;
  auto gradient = [](Index i) { return std::sin(0.37f * static_cast<float>(i)); };
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Parameter p{"kernel", Tensor(Shape{n}, 1.0f), Tensor(Shape{n})};
    for (Index i = 0; i < n; ++i) p.grad[i] = gradient(i);
    AdamW opt(0.01f, 0.1f);
    opt.step({&p});
    opt.step({&p});
    for (Index i : {Index{0}, Index{16383}, Index{16384}, Index{32768}, n - 1}) {
      INFO(threads << " threads, element " << i);
      Parameter one{"kernel", Tensor(Shape{1}, 1.0f), Tensor(Shape{1}, {gradient(i)})};
      AdamW scalar(0.01f, 0.1f);
      scalar.step({&one});
      scalar.step({&one});
      CHECK(p.value[i] == one.value[0]);
    }
  }
  set_num_threads(0);
}

TEST_CASE("an optimizer refuses a parameter list that changed between steps") {
  Adam adam;
  Parameter a = scalar_parameter(), b = scalar_parameter();
  adam.step({&a});
  CHECK_THROWS_WITH(adam.step({&a, &b}), Catch::Contains("Adam") && Catch::Contains("2"));
  CHECK_THROWS_AS(SGD(0.1f, -0.5f), Error);
  CHECK_THROWS_AS(Adam(0.1f, 1.0f), Error);
}

TEST_CASE("RMSprop, hand-computed two steps: plain, with momentum, centered") {
  // v1 = 0.1 * 0.25 = 0.025, w1 = 1 - 0.1 * 0.5 / sqrt(0.025 + 1e-7) = 0.68377287;
  // v2 = 0.0475, w2 = w1 - 0.05 / sqrt(0.0475001) = 0.45435737.
  RMSprop plain(0.1f);
  CHECK(run_steps(plain, 2) == Approx(0.45435737).epsilon(1e-6));
  CHECK(plain.slots_per_parameter() == 1);
  // m1 = 0.31622713, m2 = 0.9 * m1 + 0.22941550: w2 = 0.16975295.
  RMSprop momentum(0.1f, 0.9f, 0.9f);
  CHECK(run_steps(momentum, 2) == Approx(0.16975295).epsilon(1e-6));
  // a1 = 0.05, denominator 0.025 - 0.0025 + 1e-7: w1 = 0.66666741; a2 = 0.095,
  // denominator 0.0475 - 0.009025 + 1e-7: w2 = 0.41176137.
  RMSprop centered(0.1f, 0.9f, 0.0f, 1e-7f, /*centered=*/true);
  CHECK(run_steps(centered, 2) == Approx(0.41176137).epsilon(1e-6));
  CHECK(RMSprop(0.1f, 0.9f, 0.5f, 1e-7f, true).slots_per_parameter() == 3);
  CHECK_THROWS_WITH(RMSprop(0.1f, 1.0f), Contains("RMSprop") && Contains("rho"));
}

TEST_CASE("AdamW: Adam after w -= w * weight_decay * lr, hand-computed two steps") {
  // Step 1: w = 1 - 0.004 * 0.1 = 0.9996, then Adam's first step (-0.09999937): 0.89960063.
  // Step 2: w1 * (1 - 0.0004) = 0.89924079, then Adam's second step: 0.79924124.
  AdamW adamw(0.1f);
  CHECK(adamw.weight_decay() == 0.004f);
  CHECK(adamw.name() == "AdamW");
  CHECK(run_steps(adamw, 2) == Approx(0.79924124).epsilon(1e-6));
}

TEST_CASE("weight decay on any optimizer, with parameters excluded by name") {
  // SGD(0.1) with decay 0.5: w = 1 - 1 * 0.5 * 0.1 = 0.95, then w -= 0.1 * 0.5: 0.9.
  SGD sgd(0.1f);
  sgd.set_weight_decay(0.5f);
  sgd.exclude_from_weight_decay({"bias"});
  Parameter kernel{"kernel", Tensor(Shape{1}, {1.0f}), Tensor(Shape{1}, {0.5f})};
  Parameter bias{"bias", Tensor(Shape{1}, {1.0f}), Tensor(Shape{1}, {0.5f})};
  sgd.step({&kernel, &bias});
  CHECK(kernel.value[0] == Approx(0.9f));
  CHECK(bias.value[0] == Approx(0.95f));
  CHECK_THROWS_WITH(sgd.set_weight_decay(-1.0f), Contains("SGD") && Contains("weight_decay"));
}

TEST_CASE("a schedule as learning rate: read at the steps taken so far, not replaceable") {
  // Halved every step: the first step uses 0.1 (w = 0.95), the second 0.05 (w = 0.925).
  SGD sgd(ExponentialDecay(0.1f, 1, 0.5f));
  CHECK(sgd.has_schedule());
  CHECK(sgd.learning_rate() == Approx(0.1f));
  CHECK(run_steps(sgd, 2) == Approx(0.925f));
  CHECK(sgd.learning_rate() == Approx(0.025f));
  CHECK_THROWS_WITH(sgd.set_learning_rate(0.1f), Contains("SGD") && Contains("schedule"));
  Adam constant(0.1f);
  constant.set_learning_rate(0.2f);
  CHECK(constant.learning_rate() == 0.2f);
}
