// Learning-rate schedules against Keras' formulas, evaluated by hand.
#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/models/learning_rate_schedules.hpp>

using namespace minidl;
using Catch::Contains;

TEST_CASE("ExponentialDecay: initial * rate^(step / decay_steps), floored with staircase") {
  const ExponentialDecay smooth(0.1f, 10, 0.5f);
  CHECK(smooth(0) == Approx(0.1f));
  CHECK(smooth(5) == Approx(0.070710678f));  // 0.1 * 0.5^0.5
  CHECK(smooth(20) == Approx(0.025f));
  const ExponentialDecay stairs(0.1f, 10, 0.5f, /*staircase=*/true);
  CHECK(stairs(9) == Approx(0.1f));
  CHECK(stairs(15) == Approx(0.05f));
  CHECK_THROWS_WITH(ExponentialDecay(0.1f, 0, 0.5f),
                    Contains("ExponentialDecay") && Contains("decay_steps"));
}

TEST_CASE("PiecewiseConstantDecay: a boundary step still has the value before it") {
  const PiecewiseConstantDecay schedule({10, 20}, {1.0f, 0.5f, 0.1f});
  CHECK(schedule(0) == 1.0f);
  CHECK(schedule(10) == 1.0f);
  CHECK(schedule(11) == 0.5f);
  CHECK(schedule(20) == 0.5f);
  CHECK(schedule(21) == 0.1f);
  CHECK(schedule(1000) == 0.1f);
  CHECK_THROWS_WITH(PiecewiseConstantDecay({10, 20}, {1.0f, 0.5f}),
                    Contains("2 boundaries and 2 values"));
  CHECK_THROWS_WITH(PiecewiseConstantDecay({20, 10}, {1.0f, 0.5f, 0.1f}),
                    Contains("strictly increasing"));
}

TEST_CASE("CosineDecay: half a cosine down to alpha * initial, with an optional warm-up") {
  const CosineDecay cosine(0.1f, 100, /*alpha=*/0.1f);
  CHECK(cosine(0) == Approx(0.1f));
  CHECK(cosine(30) == Approx(0.081450336f));  // 0.1 * (0.9 * 0.5 * (1 + cos(0.3 pi)) + 0.1)
  CHECK(cosine(50) == Approx(0.055f));
  CHECK(cosine(100) == Approx(0.01f));
  CHECK(cosine(500) == Approx(0.01f));
  // Linear from 0 to 0.2 over 10 steps, then the cosine from 0.2 over 100 steps.
  const CosineDecay warm(0.0f, 100, 0.0f, /*warmup_target=*/0.2f, /*warmup_steps=*/10);
  CHECK(warm(0) == 0.0f);
  CHECK(warm(5) == Approx(0.1f));
  CHECK(warm(10) == Approx(0.2f));
  CHECK(warm(60) == Approx(0.1f));
  CHECK(warm(110) == Approx(0.0f).margin(1e-7));
  CHECK_THROWS_WITH(CosineDecay(0.1f, 0), Contains("CosineDecay") && Contains("decay_steps"));
}
