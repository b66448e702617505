// Generator: a seeded random engine owned by whoever draws from it. There is no global one.
// The engine is xoshiro256** (Blackman and Vigna 2018), its 256-bit state filled from the seed by
// splitmix64 as its authors recommend. It is written here, and every draw is computed from its raw
// 64-bit output (the standard fixes no distribution), so a seed gives the same numbers on every
// platform. Seeding costs a few nanoseconds: every image of every batch gets its own generator
// (Layer::SampleStreams), which mt19937_64's 2.5 KB state made a microsecond per image.
#pragma once

#include <array>
#include <cstdint>

#include <minidl/core/shape.hpp>

namespace minidl {

// A well-mixed seed for stream `stream` of `seed` (e.g. layer index, epoch): splitmix64 of both.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0);
  // A generator in exactly this state (tests compare with the reference implementation's output);
  // the state must not be all zero.
  static Generator from_state(const std::array<std::uint64_t, 4>& state);

  std::uint64_t next_u64() {
    const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotate_left(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 24 random bits: every float in the grid k/2^24 equally likely.
  float uniform();
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform_double();
  // Standard normal by Box-Muller (two uniforms per draw, no cached second value).
  float normal(float mean = 0.0f, float stddev = 1.0f);
  // n standard normals (noise fields): Box-Muller in float, both values of each pair used and
  // both uniforms of a pair from one raw draw, log and sin/cos by polynomials that vectorise
  // (detail/unit_math.hpp): about 10x faster than n calls of normal(). Its uniforms have 24
  // bits, so |x| stays below 5.8.
  void fill_normal(float* out, Index n);
  // n uniforms in [low, high) (noise fills): two per raw draw, its top 24 bits then the next 24,
  // each as uniform() makes it.
  void fill_uniform(float* out, Index n, float low, float high);
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
  static std::uint64_t rotate_left(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_;
};

}  // namespace minidl
