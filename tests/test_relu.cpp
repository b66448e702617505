#include <cmath>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/relu.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"

using namespace minidl;

namespace {

Tensor relu_of(ReLU& relu, std::initializer_list<float> values) {
  return relu(Tensor(Shape{1, static_cast<Index>(values.size())}, values), false);
}

void check_values(const Tensor& y, std::initializer_list<float> expected) {
  REQUIRE(y.size() == static_cast<Index>(expected.size()));
  Index i = 0;
  for (float e : expected) CHECK(y[i++] == Approx(e).margin(1e-6));
}

// Values in [-3, 4] at least 0.05 away from every kink of the cases below, so that a
// finite-difference step of 1e-3 never crosses one.
Tensor away_from_kinks(const Shape& shape, std::uint64_t seed) {
  Tensor x = testing::random_tensor(shape, seed, -3.0f, 4.0f);
  for (Index i = 0; i < x.size(); ++i) {
    for (float kink : {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f}) {
      if (std::abs(x[i] - kink) < 0.05f) x[i] = kink + 0.1f;
    }
  }
  return x;
}

}  // namespace

TEST_CASE("ReLU with default options is max(x, 0)") {
  ReLU relu;
  const Tensor y = relu_of(relu, {-2, -0.5, 0, 0.5, 3});
  check_values(y, {0, 0, 0, 0.5, 3});
  // +0, not -0, for negative inputs (0 * negative would be -0).
  CHECK_FALSE(std::signbit(y[0]));
  CHECK_FALSE(std::signbit(y[1]));
}

TEST_CASE("ReLU options: hand-computed values of each piece") {
  ReLU capped(6.0f);
  check_values(relu_of(capped, {-1, 2, 6, 7.5}), {0, 2, 6, 6});
  ReLU leaky(std::nullopt, 0.1f);
  check_values(relu_of(leaky, {-2, -0.5, 0, 3}), {-0.2, -0.05, 0, 3});
  // threshold 1: 0 up to and at 1, then x itself (a jump from 0 to 1, as in Keras).
  ReLU thresholded(std::nullopt, 0.0f, 1.0f);
  check_values(relu_of(thresholded, {-1, 0.5, 1, 1.25, 4}), {0, 0, 0, 1.25, 4});
  // All three: slope 0.2 below threshold 1.5 (measured from the threshold), capped at 3.
  ReLU all(3.0f, 0.2f, 1.5f);
  check_values(relu_of(all, {-1, 1.5, 2, 3, 10}), {-0.5, 0, 2, 3, 3});
}

TEST_CASE("ReLU matches Keras for every option, values and gradients") {
  const testing::Golden golden("padding_relu_golden.txt");
  struct Case {
    const char* name;
    std::optional<float> max_value;
    float negative_slope, threshold;
  };
  const Case cases[] = {{"relu_default", std::nullopt, 0.0f, 0.0f},
                        {"relu_max6", 6.0f, 0.0f, 0.0f},
                        {"relu_max2", 2.0f, 0.0f, 0.0f},
                        {"relu_slope", std::nullopt, 0.1f, 0.0f},
                        {"relu_threshold", std::nullopt, 0.0f, 1.0f},
                        {"relu_all", 3.0f, 0.2f, 1.5f},
                        {"relu_max_below_threshold", 1.0f, 0.5f, 2.0f}};
  const Tensor x = golden["relu/x"];
  const Tensor dy = golden["relu/dy"];
  for (const Case& c : cases) {
    INFO(c.name);
    ReLU relu(c.max_value, c.negative_slope, c.threshold);
    testing::check_close(relu(x, true), golden[std::string(c.name) + "/y"], 1e-6f);
    const Tensor dx = relu.backward(dy);
    const Tensor expected = golden[std::string(c.name) + "/dx"];
    // At the kinks (x = threshold, x = max_value) the derivative is a convention, and Keras'
    // differs by backend and by case (see relu.hpp): compare everywhere else.
    Index compared = 0;
    for (Index i = 0; i < x.size(); ++i) {
      if (x[i] == c.threshold || (c.max_value && x[i] == *c.max_value)) continue;
      CHECK(dx[i] == Approx(expected[i]).margin(1e-6));
      ++compared;
    }
    CHECK(compared >= x.size() - 2 * x.dim(0));
  }
}

TEST_CASE("ReLU gradients match finite differences") {
  struct Case {
    std::optional<float> max_value;
    float negative_slope, threshold;
  };
  const Case cases[] = {{std::nullopt, 0.0f, 0.0f}, {2.0f, 0.0f, 0.0f}, {std::nullopt, 0.3f, 0.0f},
                        {std::nullopt, 0.0f, 1.0f}, {3.0f, 0.2f, 1.5f}, {0.5f, 0.5f, 1.0f}};
  for (const Case& c : cases) {
    INFO("max_value " << c.max_value.value_or(-1) << " slope " << c.negative_slope << " threshold "
                      << c.threshold);
    ReLU relu(c.max_value, c.negative_slope, c.threshold);
    relu.build(Shape{3, 4, 5});
    testing::check_layer_gradients(relu, away_from_kinks(Shape{2, 3, 4, 5}, 1), {1e-3f});
  }
}

TEST_CASE("ReLU caches its input for backward, and moves into a shared layer") {
  ReLU relu(6.0f);
  relu.build(Shape{4});
  const auto cache = relu.backward_cache();
  REQUIRE(cache.has_value());
  REQUIRE(cache->size() == 1);
  CHECK((*cache)[0]->empty());
  relu.forward(Tensor(Shape{2, 4}, 1.0f), /*training=*/true);
  CHECK((*cache)[0]->shape() == Shape{2, 4});
  const std::shared_ptr<Layer> shared = std::move(relu).into_shared();
  CHECK(shared->type() == "ReLU");
  CHECK(dynamic_cast<ReLU&>(*shared).max_value() == 6.0f);
  CHECK(shared->output_shape() == Shape{4});
}

TEST_CASE("ReLU rejects negative options, naming the option and the value") {
  CHECK_THROWS_WITH(ReLU(-1.0f), Catch::Contains("ReLU") && Catch::Contains("max_value=-1"));
  CHECK_THROWS_WITH(ReLU(std::nullopt, -0.5f),
                    Catch::Contains("ReLU") && Catch::Contains("negative_slope=-0.5"));
  CHECK_THROWS_WITH(ReLU(std::nullopt, 0.0f, -2.0f),
                    Catch::Contains("ReLU") && Catch::Contains("threshold=-2"));
  CHECK_THROWS_AS(ReLU(std::nanf("")), Error);
  CHECK_NOTHROW(ReLU(0.0f, 0.0f, 0.0f));
}

TEST_CASE("ReLU rejects inputs of the wrong shape and a backward without forward") {
  ReLU relu;
  relu.set_name("re_lu");
  relu.build(Shape{8, 3});
  CHECK_THROWS_WITH(relu(Tensor(Shape{2, 8, 4}, 0.0f), false), Catch::Contains("ReLU 're_lu'") &&
                                                                   Catch::Contains("(N,8,3)") &&
                                                                   Catch::Contains("got (2,8,4)"));
  CHECK_THROWS_WITH(relu(Tensor(Shape{8, 3}, 0.0f), false), Catch::Contains("ReLU 're_lu'") &&
                                                                Catch::Contains("rank-3") &&
                                                                Catch::Contains("got (8,3)"));
  CHECK_THROWS_WITH(relu.backward(Tensor(Shape{2, 8, 3}, 0.0f)),
                    Catch::Contains("ReLU 're_lu'") && Catch::Contains("training=true"));
  relu.forward(Tensor(Shape{2, 8, 3}, 0.0f), /*training=*/true);
  CHECK_THROWS_WITH(relu.backward(Tensor(Shape{2, 8, 4}, 0.0f)),
                    Catch::Contains("(N,8,3)") && Catch::Contains("got (2,8,4)"));
  ReLU flat;
  CHECK_THROWS_WITH(flat(Tensor(Shape{5}, 0.0f), false), Catch::Contains("ReLU") &&
                                                             Catch::Contains("rank >= 2") &&
                                                             Catch::Contains("(None)"));
}
