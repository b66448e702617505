// log and sin/cos for Box-Muller's uniforms, in float arithmetic with selects instead of
// branches and library calls, so that loops over arrays of them vectorise (the library's logf
// and sincosf are scalar calls: two thirds of the time of a displacement field). The
// polynomials are Cephes' single-precision ones (Moshier 1989): a few units in the last place.
#pragma once

#include <cstdint>
#include <cstring>

namespace minidl::detail {

inline std::int32_t bits_of(float x) {
  std::int32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

inline float float_of(std::int32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// log(x) for a normal x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by polynomial,
// e log(2) added in two parts.
inline float log_positive(float x) {
  const std::int32_t b = bits_of(x);
  const float m = float_of((b & 0x007fffff) | 0x3f000000);  // [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  const float e = float(((b >> 23) & 0xff) - 126 - (low ? 1 : 0));
  const float t = low ? m + m - 1.0f : m - 1.0f;
  const float z = t * t;
  float p = 7.0376836292e-2f;
  p = p * t - 1.1514610310e-1f;
  p = p * t + 1.1676998740e-1f;
  p = p * t - 1.2420140846e-1f;
  p = p * t + 1.4249322787e-1f;
  p = p * t - 1.6668057665e-1f;
  p = p * t + 2.0000714765e-1f;
  p = p * t - 2.4999993993e-1f;
  p = p * t + 3.3333331174e-1f;
  float y = p * t * z - 2.12194440e-4f * e - 0.5f * z;
  return t + y + 0.693359375f * e;
}

// sin and cos of 2 pi u for u in [0, 1] whose float has at most 24 significant bits below 1
// (the Generator's uniforms): u - q/4 for the nearest quarter turn q is then exact, the rest
// a polynomial on [-pi/4, pi/4] rotated by q quarter turns.
inline void sincos_turns(float u, float& sine, float& cosine) {
  const std::int32_t q = std::int32_t(u * 4.0f + 0.5f);
  const float a = (u - float(q) * 0.25f) * 6.28318530717958647692f;
  const float a2 = a * a;
  const float s =
      a + a * a2 * (-1.6666654611e-1f + a2 * (8.3321608736e-3f + a2 * -1.9515295891e-4f));
  const float c =
      1.0f - 0.5f * a2 +
      a2 * a2 *
          (4.166664568298827e-2f + a2 * (-1.388731625493765e-3f + a2 * 2.443315711809948e-5f));
  // Quarter turns: (s, c) -> (c, -s) -> (-s, -c) -> (-c, s).
  const bool odd = q & 1, flip_sine = q & 2, flip_cosine = (q + 1) & 2;
  const float sin_abs = odd ? c : s, cos_abs = odd ? s : c;
  sine = flip_sine ? -sin_abs : sin_abs;
  cosine = flip_cosine ? -cos_abs : cos_abs;
}

}  // namespace minidl::detail
