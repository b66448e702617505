#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/detail/unit_math.hpp>
#include <minidl/core/generator.hpp>

using namespace minidl;

TEST_CASE("Generator: the same seed gives the same stream, another seed another") {
  Generator a(123), b(123), c(124);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next_u64();
    CHECK(x == b.next_u64());
    differs |= x != c.next_u64();
  }
  CHECK(differs);
}

TEST_CASE("Generator: the stream is xoshiro256**'s, seeded by splitmix64") {
  // The reference implementation's first outputs from the state (1, 2, 3, 4).
  Generator g = Generator::from_state({1, 2, 3, 4});
  const std::uint64_t expected[] = {
      11520, 0, 1509978240, 1215971899390074240ull, 1216172134540287360ull, 607988272756665600ull};
  for (const std::uint64_t x : expected) CHECK(g.next_u64() == x);
  // Seed 0 fills the state with splitmix64's first four outputs from 0 (its published values).
  Generator seeded(0);
  Generator reference = Generator::from_state(
      {0xE220A8397B1DCDAFull, 0x6E789E6AA1B965F4ull, 0x06C45D188009454Full, 0xF88BB8A8724C81ECull});
  for (int i = 0; i < 8; ++i) CHECK(seeded.next_u64() == reference.next_u64());
  CHECK_THROWS_WITH(Generator::from_state({0, 0, 0, 0}),
                    Catch::Contains("Generator::from_state") && Catch::Contains("all-zero"));
}

TEST_CASE("Generator: uniform draws stay in range with the right mean and variance") {
  Generator g(1);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const float u = g.uniform();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    sum += u;
    sum_sq += u * u;
  }
  const double mean = sum / n, var = sum_sq / n - mean * mean;
  // Standard error of the mean is sqrt(1/12/n) ~ 6.5e-4: 5 sigma bounds.
  CHECK(std::abs(mean - 0.5) < 3.3e-3);
  CHECK(std::abs(var - 1.0 / 12.0) < 2e-3);
}

TEST_CASE("Generator: normal draws have mean 0 and variance 1") {
  Generator g(2);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double z = g.normal();
    sum += z;
    sum_sq += z * z;
  }
  CHECK(std::abs(sum / n) < 0.012);  // 5 standard errors
  CHECK(std::abs(sum_sq / n - 1.0) < 0.016);
}

TEST_CASE("Generator: fill_normal gives standard normals, pairs uncorrelated, odd counts filled") {
  Generator g(5);
  const Index n = 200001;  // odd: the last value comes from half a pair
  std::vector<float> x(static_cast<std::size_t>(n), 1e9f);
  g.fill_normal(x.data(), n);
  double sum = 0, sum_sq = 0, pair_product = 0;
  Index within_one = 0, within_two = 0;
  for (Index i = 0; i < n; ++i) {
    const double v = x[std::size_t(i)];
    REQUIRE(std::abs(v) < 6.0);
    sum += v, sum_sq += v * v;
    within_one += std::abs(v) < 1.0, within_two += std::abs(v) < 2.0;
    if (i % 2 == 1) pair_product += v * x[std::size_t(i - 1)];
  }
  CHECK(sum / n == Approx(0.0).margin(0.01));     // sd of the mean: 0.0022
  CHECK(sum_sq / n == Approx(1.0).margin(0.02));  // sd of the variance: 0.0032
  CHECK(double(within_one) / n == Approx(0.6827).margin(0.005));
  CHECK(double(within_two) / n == Approx(0.9545).margin(0.003));
  CHECK(pair_product / (n / 2) == Approx(0.0).margin(0.01));  // cos and sin of one angle
}

TEST_CASE("log_positive and sincos_turns agree with the library on every 24-bit uniform") {
  // Every k / 2^24 for the angle (the uniforms fill_normal feeds them), 1 - k / 2^24 for the log.
  double worst_log = 0.0, worst_sincos = 0.0;
  for (std::int32_t k = 0; k < (1 << 24); k += 7) {
    const float u = float(k) * 0x1.0p-24f;
    const float r = 1.0f - u;
    const double log_error = std::abs(detail::log_positive(r) - std::log(double(r)));
    worst_log = std::max(worst_log, log_error / std::max(1e-30, std::abs(std::log(double(r)))));
    float s, c;
    detail::sincos_turns(u, s, c);
    const double angle = 2.0 * M_PI * double(u);
    worst_sincos =
        std::max({worst_sincos, std::abs(s - std::sin(angle)), std::abs(c - std::cos(angle))});
  }
  CHECK(worst_log < 3e-7);     // relative (measured: 8e-8)
  CHECK(worst_sincos < 3e-7);  // absolute, of values in [-1, 1] (measured: 1.1e-7)
}

TEST_CASE("Generator: fill_uniform takes two 24-bit uniforms from each raw draw, in range") {
  const Index n = 200001;  // odd: the last value uses half a draw
  Generator g(6), raw(6);
  std::vector<float> x(static_cast<std::size_t>(n), 1e9f);
  g.fill_uniform(x.data(), n, -2.0f, 3.0f);
  for (Index i = 0; i < 10; i += 2) {
    const std::uint64_t bits = raw.next_u64();
    // Approx: the library's build may fuse the multiply-add, this one not.
    CHECK(x[std::size_t(i)] == Approx(-2.0f + 5.0f * (float(bits >> 40) * 0x1.0p-24f)));
    CHECK(x[std::size_t(i + 1)] ==
          Approx(-2.0f + 5.0f * (float((bits >> 16) & 0xffffff) * 0x1.0p-24f)));
  }
  double sum = 0, sum_sq = 0, pair_product = 0;
  for (Index i = 0; i < n; ++i) {
    const double v = x[std::size_t(i)];
    REQUIRE(v >= -2.0);
    REQUIRE(v < 3.0);
    sum += v, sum_sq += v * v;
    if (i % 2 == 1) pair_product += (v - 0.5) * (x[std::size_t(i - 1)] - 0.5);
  }
  const double mean = sum / n, var = sum_sq / n - mean * mean;
  CHECK(mean == Approx(0.5).margin(0.02));                    // sd of the mean: 0.0032
  CHECK(var == Approx(25.0 / 12).margin(0.02));               // sd of the variance: 0.0042
  CHECK(pair_product / (n / 2) == Approx(0.0).margin(0.03));  // the two halves of a draw
}

TEST_CASE("Generator: below is uniform over its range and shuffle is a permutation") {
  Generator g(3);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[g.below(7)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);  // ~5 sigma of Binomial(70000, 1/7)

  std::vector<Index> v(100);
  std::iota(v.begin(), v.end(), 0);
  g.shuffle(v.data(), 100);
  std::vector<Index> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (Index i = 0; i < 100; ++i) CHECK(sorted[i] == i);
  CHECK_FALSE(std::is_sorted(v.begin(), v.end()));
}

TEST_CASE("derive_seed: distinct streams for distinct (seed, stream) pairs") {
  CHECK(derive_seed(1, 0) != derive_seed(1, 1));
  CHECK(derive_seed(1, 0) != derive_seed(2, 0));
  CHECK(derive_seed(1, 5) == derive_seed(1, 5));
}
