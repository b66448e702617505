// Generator: a seeded random engine owned by whoever draws from it. There is no global one.
// Draws are computed from the engine's raw 64-bit output (the standard fixes mt19937_64's
// sequence but not <random>'s distributions), so a seed gives the same numbers on every platform.
#pragma once

#include <cstdint>
#include <random>

#include <minidl/core/shape.hpp>

namespace minidl {

// A well-mixed seed for stream `stream` of `seed` (e.g. layer index, epoch): splitmix64 of both.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}

  std::uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1) with 24 random bits: every float in the grid k/2^24 equally likely.
  float uniform();
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform_double();
  // Standard normal by Box-Muller (two uniforms per draw, no cached second value).
  float normal(float mean = 0.0f, float stddev = 1.0f);
  bool bernoulli(float p) { return uniform() < p; }
  // Gamma(shape, 1) for shape > 0 (Marsaglia and Tsang 2000), and Beta(a, b) from two of them
  // (MixUp's and AugMix's mixing weights).
  double gamma(double shape);
  double beta(double a, double b);
  // Uniform integer in [0, n), unbiased (rejection sampling).
  std::uint64_t below(std::uint64_t n);
  // Fisher-Yates shuffle of indices[0..count).
  void shuffle(Index* indices, Index count);

 private:
  std::mt19937_64 engine_;
};

}  // namespace minidl
