#include <minidl/core/generator.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

#include <minidl/core/detail/unit_math.hpp>
#include <minidl/core/error.hpp>

namespace minidl {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The two uniforms in [0, 1) of a raw draw, 24 bits each: its top bits (uniform()'s), then the
// next 24.
float first_uniform(std::uint64_t bits) {
  return static_cast<float>(bits >> 40) * 0x1.0p-24f;
}
float second_uniform(std::uint64_t bits) {
  return static_cast<float>((bits >> 16) & 0xffffff) * 0x1.0p-24f;
}

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  return splitmix64(splitmix64(seed) ^ (stream * 0xD1B54A32D192ED03ull + 1));
}

Generator::Generator(std::uint64_t seed) {
  // splitmix64 over the sequence seed + k * golden gamma, its authors' way to seed xoshiro: the
  // state is never all zero and nearby seeds give unrelated states.
  for (std::uint64_t& word : state_) {
    word = splitmix64(seed);
    seed += 0x9E3779B97F4A7C15ull;
  }
}

Generator Generator::from_state(const std::array<std::uint64_t, 4>& state) {
  if (state == std::array<std::uint64_t, 4>{}) {
    throw Error("Generator::from_state: xoshiro256** cannot start from the all-zero state");
  }
  Generator g;
  g.state_ = state;
  return g;
}

float Generator::uniform() {
  return first_uniform(next_u64());
}

double Generator::uniform_double() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Generator::gamma(double shape) {
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a).
    const double u = 1.0 - uniform_double();
    return gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = 1.0 - uniform_double();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

double Generator::beta(double a, double b) {
  const double x = gamma(a), y = gamma(b);
  return x / (x + y);
}

float Generator::normal(float mean, float stddev) {
  const double u1 = 1.0 - uniform_double();  // (0, 1]: log stays finite
  const double u2 = uniform_double();
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  return mean + stddev * static_cast<float>(z);
}

void Generator::fill_normal(float* out, Index n) {
  // In blocks: the uniforms first (two per raw draw), then Box-Muller over the block in one loop
  // that vectorises.
  constexpr Index kPairs = 128;
  float radius_u[kPairs], angle_u[kPairs], sine[kPairs], cosine[kPairs];
  for (Index start = 0; start < n; start += 2 * kPairs) {
    const Index pairs = std::min(kPairs, (n - start + 1) / 2);
    for (Index p = 0; p < pairs; ++p) {
      const std::uint64_t bits = next_u64();
      radius_u[p] = 1.0f - first_uniform(bits);  // (0, 1]: log finite
      angle_u[p] = second_uniform(bits);
    }
    for (Index p = 0; p < pairs; ++p) {
      const float radius = std::sqrt(-2.0f * detail::log_positive(radius_u[p]));
      detail::sincos_turns(angle_u[p], sine[p], cosine[p]);
      sine[p] *= radius, cosine[p] *= radius;
    }
    float* o = out + start;
    const Index count = std::min(2 * kPairs, n - start);
    for (Index p = 0; p < pairs; ++p) {
      o[2 * p] = cosine[p];
      if (2 * p + 1 < count) o[2 * p + 1] = sine[p];
    }
  }
}

void Generator::fill_uniform(float* out, Index n, float low, float high) {
  const float span = high - low;
  for (Index i = 0; i < n; i += 2) {
    const std::uint64_t bits = next_u64();
    out[i] = low + span * first_uniform(bits);
    if (i + 1 < n) out[i + 1] = low + span * second_uniform(bits);
  }
}

std::uint64_t Generator::below(std::uint64_t n) {
  if (n == 0) throw Error("Generator::below: the range [0, 0) is empty");
  // Reject the top partial block of 2^64 so every residue is equally likely.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
  std::uint64_t x;
  do x = next_u64();
  while (x >= limit);
  return x % n;
}

void Generator::shuffle(Index* indices, Index count) {
  for (Index i = count - 1; i > 0; --i) {
    const Index j = static_cast<Index>(below(static_cast<std::uint64_t>(i) + 1));
    std::swap(indices[i], indices[j]);
  }
}

}  // namespace minidl
