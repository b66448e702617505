#include <cmath>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/activation.hpp>
#include <minidl/layers/flatten.hpp>

#include "gradient_check.hpp"

using namespace minidl;

TEST_CASE("Activation values match their definitions") {
  const Tensor x(Shape{1, 3}, {-2.0f, 0.0f, 3.0f});
  auto run = [&](const char* name) { return Activation(name)(x, /*training=*/false); };
  const Tensor relu = run("relu");
  CHECK(relu[0] == 0.0f);
  CHECK(relu[2] == 3.0f);
  const Tensor sig = run("sigmoid");
  CHECK(sig[0] == Approx(1.0 / (1.0 + std::exp(2.0))));
  CHECK(sig[1] == Approx(0.5));
  const Tensor th = run("tanh");
  CHECK(th[2] == Approx(std::tanh(3.0)));
  const Tensor sm = run("softmax");
  const double z = std::exp(-2.0) + 1.0 + std::exp(3.0);
  CHECK(sm[0] == Approx(std::exp(-2.0) / z));
  CHECK(sm[2] == Approx(std::exp(3.0) / z));
}

TEST_CASE("softmax is stable for large logits and works row by row") {
  const Tensor x(Shape{2, 2}, {1000.0f, 1000.0f, -1000.0f, 0.0f});
  const Tensor y = Activation("softmax")(x, false);
  CHECK(y[0] == Approx(0.5));
  CHECK(y[1] == Approx(0.5));
  CHECK(y[2] == Approx(0.0).margin(1e-30));
  CHECK(y[3] == Approx(1.0));
}

TEST_CASE("Activation gradients match finite differences") {
  for (const char* name : {"linear", "relu", "sigmoid", "tanh", "softmax"}) {
    INFO("activation " << name);
    Activation a(name);
    a.build(Shape{3, 4});
    // Keep inputs away from relu's kink: |x| >= 0.1 > the step.
    Tensor x = testing::random_tensor(Shape{2, 3, 4}, 21);
    for (Index i = 0; i < x.size(); ++i) x[i] += x[i] >= 0 ? 0.1f : -0.1f;
    testing::check_layer_gradients(a, std::move(x));
  }
}

TEST_CASE("Activation rejects an unknown name") {
  CHECK_THROWS_WITH(Activation("gelu"), Catch::Contains("Activation") && Catch::Contains("gelu"));
}

TEST_CASE("Flatten keeps the element order and routes gradients back") {
  Flatten f;
  const Tensor x = testing::random_tensor(Shape{2, 3, 2, 2}, 5);
  const Tensor y = f(x, false);
  CHECK(y.shape() == Shape{2, 12});
  for (Index i = 0; i < x.size(); ++i) CHECK(y[i] == x[i]);
  testing::check_layer_gradients(f, x.clone());
  CHECK_THROWS_WITH(
      f.forward(Tensor(Shape{2, 3, 2}, 0.0f), false),
      Catch::Contains("Flatten") && Catch::Contains("(N,3,2,2)") && Catch::Contains("(2,3,2)"));
}
