#include <cmath>
#include <cstring>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/dropout.hpp>

#include "gradient_check.hpp"

using namespace minidl;

TEST_CASE("Dropout drops about `rate` of the units in training, scaling the rest") {
  Dropout d(0.3f);
  d.set_seed(1);
  const Index n = 100000;
  const Tensor x(Shape{100, 1000}, 2.0f);
  const Tensor y = d(x, /*training=*/true);
  Index dropped = 0;
  for (Index i = 0; i < n; ++i) {
    if (y[i] == 0.0f) {
      ++dropped;
    } else {
      REQUIRE(y[i] == Approx(2.0f / 0.7f));
    }
  }
  // Binomial(n, 0.3): standard deviation sqrt(n * 0.21) = 145; a 5-sigma bound.
  CHECK(std::abs(dropped - 30000) < 725);
}

TEST_CASE("Dropout is the identity at inference, bit for bit") {
  Dropout d(0.5f);
  const Tensor x = testing::random_tensor(Shape{8, 16}, 3);
  const Tensor y = d(x, /*training=*/false);
  CHECK(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0);
}

TEST_CASE("Dropout draws a new mask per call and replays an epoch's masks from its seed") {
  Dropout d(0.5f);
  d.set_seed(9);
  const Tensor x(Shape{4, 64}, 1.0f);
  d.build(Shape{64});
  d.start_epoch(3);
  const Tensor first = d(x, true), second = d(x, true);
  CHECK(std::memcmp(first.data(), second.data(), x.size() * sizeof(float)) != 0);
  d.start_epoch(3);
  const Tensor replay = d(x, true);
  CHECK(std::memcmp(first.data(), replay.data(), x.size() * sizeof(float)) == 0);
}

TEST_CASE("Dropout gradient matches finite differences with its mask fixed") {
  Dropout d(0.4f);
  d.build(Shape{3, 5});
  testing::check_layer_gradients(d, testing::random_tensor(Shape{4, 3, 5}, 4));
}

TEST_CASE("Dropout rejects a rate outside 0 <= rate < 1") {
  CHECK_THROWS_WITH(Dropout(1.0f), Catch::Contains("Dropout") && Catch::Contains("[0,1)") &&
                                       Catch::Contains("got 1"));
  CHECK_THROWS_WITH(Dropout(-0.1f), Catch::Contains("got -0.1"));
}
