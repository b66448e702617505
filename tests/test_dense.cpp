#include <cmath>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/dense.hpp>

#include "gradient_check.hpp"

using namespace minidl;

TEST_CASE("Dense computes x . kernel + bias with hand-computed values") {
  Dense d(2);
  d.build(Shape{3});
  d.kernel().value = Tensor(Shape{3, 2}, {1, 2, 3, 4, 5, 6});
  d.bias().value = Tensor(Shape{2}, {0.5f, -0.5f});
  const Tensor y = d(Tensor(Shape{2, 3}, {1, 0, -1, 2, 1, 0}), /*training=*/false);
  REQUIRE(y.shape() == Shape{2, 2});
  CHECK(y[0] == 1 - 5 + 0.5f);
  CHECK(y[1] == 2 - 6 - 0.5f);
  CHECK(y[2] == 2 + 3 + 0.5f);
  CHECK(y[3] == 4 + 4 - 0.5f);
}

TEST_CASE("Dense initialises as Keras: Glorot-uniform kernel, zero bias") {
  Dense d(300);
  d.set_seed(5);
  d.build(Shape{200});
  const float limit = std::sqrt(6.0f / 500.0f);
  const Tensor& k = d.kernel().value;
  double sum_sq = 0;
  for (Index i = 0; i < k.size(); ++i) {
    REQUIRE(std::abs(k[i]) <= limit);
    sum_sq += k[i] * k[i];
  }
  // The variance of U(-l, l) is l^2/3.
  CHECK(sum_sq / k.size() == Approx(limit * limit / 3).epsilon(0.02));
  for (Index i = 0; i < 300; ++i) CHECK(d.bias().value[i] == 0.0f);
  CHECK(d.count_params() == 200 * 300 + 300);
}

TEST_CASE("Dense gradients match finite differences for every activation") {
  for (const char* activation : {"linear", "relu", "sigmoid", "tanh", "softmax"}) {
    INFO("activation " << activation);
    Dense d(4, activation);
    d.set_seed(11);
    d.build(Shape{5});
    // A non-zero bias so that the bias gradient is exercised away from zero pre-activations.
    d.bias().value = testing::random_tensor(Shape{4}, 3);
    testing::check_layer_gradients(d, testing::random_tensor(Shape{3, 5}, 12), {1e-3f});
  }
}

TEST_CASE("Dense without bias has only a kernel and still gets input gradients right") {
  Dense d(3, "tanh", /*use_bias=*/false);
  d.build(Shape{4});
  CHECK(d.parameters().size() == 1);
  testing::check_layer_gradients(d, testing::random_tensor(Shape{2, 4}, 4));
}

TEST_CASE("Dense rejects a wrong rank at build, naming the layer and the shape") {
  Dense d(4);
  d.set_name("dense_1");
  CHECK_THROWS_WITH(d.build(Shape{28, 28}), Catch::Contains("Dense 'dense_1'") &&
                                                Catch::Contains("(N,features)") &&
                                                Catch::Contains("(None,28,28)"));
}

TEST_CASE("Dense rejects a wrong rank or feature count at call time") {
  Dense d(4);
  d.set_name("dense_1");
  d.build(Shape{8});
  CHECK_THROWS_WITH(d.forward(Tensor(Shape{32, 8, 3}, 0.0f), false),
                    Catch::Contains("Dense 'dense_1'") && Catch::Contains("(N,8)") &&
                        Catch::Contains("(32,8,3)"));
  CHECK_THROWS_WITH(
      d.forward(Tensor(Shape{32, 7}, 0.0f), false),
      Catch::Contains("Dense 'dense_1'") && Catch::Contains("(N,8)") && Catch::Contains("(32,7)"));
  CHECK_THROWS_AS(Dense(0), Error);
  CHECK_THROWS_WITH(Dense(2, "rellu"), Catch::Contains("rellu"));
}

TEST_CASE("Dense backward without a training forward is an error, not a crash") {
  Dense d(2);
  d.build(Shape{3});
  d.forward(Tensor(Shape{1, 3}, 1.0f), /*training=*/false);
  CHECK_THROWS_WITH(d.backward(Tensor(Shape{1, 2}, 1.0f)), Catch::Contains("training=true"));
  d.forward(Tensor(Shape{4, 3}, 1.0f), /*training=*/true);
  CHECK_THROWS_WITH(d.backward(Tensor(Shape{2, 2}, 1.0f)),
                    Catch::Contains("batch of 2") && Catch::Contains("had 4"));
  CHECK_THROWS_WITH(d.backward(Tensor(Shape{4, 5}, 1.0f)),
                    Catch::Contains("(N,2)") && Catch::Contains("(4,5)"));
}
