// The pixel arithmetic of the colour layers, with Keras 3's formulas (keras.ops.image, whose
// numpy and jax backends agree; tests/data/augment/keras_goldens.json holds its values):
//   gray = 0.2989 R + 0.5870 G + 0.1140 B
//   HSV with every component in [0, 1], hue a fraction of a turn.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <minidl/core/shape.hpp>
#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

inline float gray_of(const float* rgb) {
  return 0.2989f * rgb[0] + 0.5870f * rgb[1] + 0.1140f * rgb[2];
}

// Three numbers of one pixel: (r, g, b) or (h, s, v).
struct Color {
  float c0, c1, c2;
};

// By value: nested std::max calls bind references to the pixel's components, which kept GCC from
// vectorising map_rgb's loop.
inline float max3(float a, float b, float c) {
  const float ab = a > b ? a : b;
  return ab > c ? ab : c;
}
inline float min3(float a, float b, float c) {
  const float ab = a < b ? a : b;
  return ab < c ? ab : c;
}
inline float clamp_by_value(float x, float low, float high) {
  return x < low ? low : x > high ? high : x;
}
// floor(v) for 0 <= v < 2^22 by the 2^23 rounding trick: adding 2^23 rounds to an integer. In
// float throughout, so that loops vectorise (GCC vectorises neither std::floor under its default
// -ftrapping-math nor a float-to-integer cast of a clamped value).
inline float floor_of_small(float v) {
  const float nearest = (v + 0x1p23f) - 0x1p23f;
  return nearest > v ? nearest - 1.0f : nearest;
}

// One pixel: rgb in [0, 1] to hsv and back. A component smaller in magnitude than float's epsilon
// counts as 0 (as Keras), so that an almost black pixel has no hue. Written with selects rather
// than branches, so that map_rgb's loops run them as vector code.
inline Color hsv_of(float r, float g, float b) {
  constexpr float kEpsilon = std::numeric_limits<float>::epsilon();
  r = std::abs(r) < kEpsilon ? 0.0f : r;
  g = std::abs(g) < kEpsilon ? 0.0f : g;
  b = std::abs(b) < kEpsilon ? 0.0f : b;
  const float high = max3(r, g, b), low = min3(r, g, b);
  const float range = high - low;
  const float sixth = 1.0f / (6.0f * (range > 0.0f ? range : 1.0f));
  // Keras' tie order: red's formula wins over green's, green's over blue's.
  float h = high == r   ? (g - b) * sixth
            : high == g ? (b - r) * sixth + 1.0f / 3.0f
                        : (r - g) * sixth + 2.0f / 3.0f;
  h = h < 0.0f ? h + 1.0f : h;
  return {range > 0.0f ? h : 0.0f, high > 0.0f ? range / (high > 0.0f ? high : 1.0f) : 0.0f, high};
}

// The hue wraps around (any number of turns below 2^31); no clipping.
inline Color rgb_of(float h, float s, float v) {
  // floor through an integer conversion: GCC does not vectorise std::floor unless math may ignore
  // floating-point exceptions.
  const float truncated = static_cast<float>(static_cast<std::int32_t>(h));
  h = (h - (truncated > h ? truncated - 1.0f : truncated)) * 6.0f;
  const float r = std::min(std::max(std::abs(h - 3.0f) - 1.0f, 0.0f), 1.0f);
  const float g = std::min(std::max(2.0f - std::abs(h - 2.0f), 0.0f), 1.0f);
  const float b = std::min(std::max(2.0f - std::abs(h - 4.0f), 0.0f), 1.0f);
  return {v * (1.0f - s + s * r), v * (1.0f - s + s * g), v * (1.0f - s + s * b)};
}

inline void rgb_to_hsv(const float* rgb, float* hsv) {
  const Color c = hsv_of(rgb[0], rgb[1], rgb[2]);
  hsv[0] = c.c0, hsv[1] = c.c1, hsv[2] = c.c2;
}
inline void hsv_to_rgb(const float* hsv, float* rgb) {
  const Color c = rgb_of(hsv[0], hsv[1], hsv[2]);
  rgb[0] = c.c0, rgb[1] = c.c1, rgb[2] = c.c2;
}

// out pixel = f(r, g, b) for every pixel of an interleaved RGB image (in and out may be the
// same). The pixels go through f in chunks copied into three planes: with the channels apart,
// the compiler runs f on a vector of pixels at a time, where the interleaved loop stays scalar.
template <class F>
void map_rgb(const float* in, float* out, Index pixels, const F& f) {
  constexpr Index kChunk = 64;
  alignas(64) float r[kChunk], g[kChunk], b[kChunk];
  for (Index start = 0; start < pixels; start += kChunk) {
    const Index n = std::min(kChunk, pixels - start);
    const float* src = in + 3 * start;
    float* dst = out + 3 * start;
    for (Index p = 0; p < n; ++p) r[p] = src[3 * p], g[p] = src[3 * p + 1], b[p] = src[3 * p + 2];
    for (Index p = 0; p < n; ++p) {
      const Color c = f(r[p], g[p], b[p]);
      r[p] = c.c0, g[p] = c.c1, b[p] = c.c2;
    }
    for (Index p = 0; p < n; ++p) dst[3 * p] = r[p], dst[3 * p + 1] = g[p], dst[3 * p + 2] = b[p];
  }
}

// Maps a value of `range` to [0, 1] and back.
inline float to_unit(float v, const ValueRange& range) {
  return (v - range.low) / (range.high - range.low);
}
inline float from_unit(float v, const ValueRange& range) {
  return v * (range.high - range.low) + range.low;
}

// A factor range that may only be in [0, max]: FactorRange's single factor f, which arrives as
// (-f, f), means (0, f), as Keras documents it for these layers.
FactorRange from_zero(const FactorRange& factor);

// Throws unless images of `sample_shape` (H,W,C) have 3 channels, naming `owner`.
void check_rgb(const Shape& sample_shape, const std::string& owner);

}  // namespace minidl
