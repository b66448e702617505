// bfloat16: the upper 16 bits of an IEEE float32 (sign, 8 exponent bits, 7 mantissa bits), the
// number format of mixed_bfloat16 products (core/dtype_policy.hpp). Same range as float32, about
// 3 significant decimal digits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace minidl {

struct bfloat16 {
  std::uint16_t bits = 0;
};

// Round to nearest, ties to even, as TensorFlow and PyTorch convert; a NaN stays a (quiet) NaN,
// values beyond bfloat16's largest finite number round to infinity. Branch-free, so that the loop
// below is vectorized.
inline bfloat16 to_bfloat16(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  // Rounding would carry a NaN's mantissa into the exponent (or make it infinity).
  const std::uint32_t quiet_nan = (u >> 16) | 0x40u;
  return {static_cast<std::uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded)};
}

inline void to_bfloat16(const float* from, std::ptrdiff_t n, bfloat16* to) {
  for (std::ptrdiff_t i = 0; i < n; ++i) to[i] = to_bfloat16(from[i]);
}

inline float to_float(bfloat16 x) {
  const std::uint32_t u = std::uint32_t{x.bits} << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace minidl
