// The sampling loop of the geometric transforms (affine and projective in affine_transform.cpp,
// displacement fields in random_elastic_transform.cpp): output pixel (x, y) reads the input at
// position(x, y), with the interpolation and fill mode of affine_transform.hpp.
#pragma once

#include <cmath>
#include <utility>

#include <minidl/layers/augment/affine_transform.hpp>

namespace minidl::detail {

// The index an out-of-range tap i reads in an axis of n pixels, or -1 for "use fill_value".
inline Index fix_index(Index i, Index n, FillMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case FillMode::Constant:
      return -1;
    case FillMode::Nearest:
      return i < 0 ? 0 : n - 1;
    case FillMode::Wrap:
      return ((i % n) + n) % n;
    case FillMode::Reflect: {
      // Period 2n: d c b a | a b c d | d c b a.
      const Index period = 2 * n;
      Index r = ((i % period) + period) % period;
      return r < n ? r : period - 1 - r;
    }
  }
  return -1;
}

// Bilinear sample of (sx, sy) into out[0..c).
template <int C>
inline void resample_bilinear(const float* in, float* out, Index h, Index w, Index c_runtime,
                              float sx, float sy, const Resampling& r) {
  const Index c = C ? C : c_runtime;
  auto pixel = [&](Index y, Index x) { return in + (y * w + x) * c; };
  const float fx0 = std::floor(sx), fy0 = std::floor(sy);
  const float wx = sx - fx0, wy = sy - fy0;
  const Index x0 = static_cast<Index>(fx0), y0 = static_cast<Index>(fy0);
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
    // All four taps inside the image (most pixels): no fill-mode fixing.
    const float* p00 = pixel(y0, x0);
    const float* p10 = p00 + w * c;
    for (Index k = 0; k < c; ++k) {
      const float top = p00[k] + wx * (p00[k + c] - p00[k]);
      const float bottom = p10[k] + wx * (p10[k + c] - p10[k]);
      out[k] = top + wy * (bottom - top);
    }
    return;
  }
  const Index xs[2] = {fix_index(x0, w, r.fill_mode), fix_index(x0 + 1, w, r.fill_mode)};
  const Index ys[2] = {fix_index(y0, h, r.fill_mode), fix_index(y0 + 1, h, r.fill_mode)};
  const float weights[2][2] = {{(1 - wy) * (1 - wx), (1 - wy) * wx}, {wy * (1 - wx), wy * wx}};
  for (Index k = 0; k < c; ++k) out[k] = 0.0f;
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 2; ++i) {
      const float wgt = weights[j][i];
      if (xs[i] < 0 || ys[j] < 0) {
        for (Index k = 0; k < c; ++k) out[k] += wgt * r.fill_value;
      } else {
        const float* p = pixel(ys[j], xs[i]);
        for (Index k = 0; k < c; ++k) out[k] += wgt * p[k];
      }
    }
  }
}

// The resampler for C channels (C = 0: read the count from `c_runtime`) and one interpolation.
// Both are template parameters so that the per-pixel loop has no mode branch and the compiler
// unrolls the per-channel loops of the common cases (1, 3, 4 channels). position(x, y) returns
// the input position (float, as Keras computes it in float32) as a pair.
template <int C, Interpolation kInterpolation, class Position>
void resample(const float* in, float* out, Index h, Index w, Index c_runtime, Index out_h,
              Index out_w, const Position& position, const Resampling& r) {
  const Index c = C ? C : c_runtime;
  auto pixel = [&](Index y, Index x) { return in + (y * w + x) * c; };
  for (Index y = 0; y < out_h; ++y) {
    for (Index x = 0; x < out_w; ++x, out += c) {
      const auto [sx, sy] = position(x, y);
      if constexpr (kInterpolation == Interpolation::Nearest) {
        const Index ix = fix_index(static_cast<Index>(std::floor(sx + 0.5f)), w, r.fill_mode);
        const Index iy = fix_index(static_cast<Index>(std::floor(sy + 0.5f)), h, r.fill_mode);
        if (ix < 0 || iy < 0) {
          for (Index k = 0; k < c; ++k) out[k] = r.fill_value;
        } else {
          const float* p = pixel(iy, ix);
          for (Index k = 0; k < c; ++k) out[k] = p[k];
        }
      } else {
        resample_bilinear<C>(in, out, h, w, c, sx, sy, r);
      }
    }
  }
}

// One (H,W,C) image into an (out_h,out_w,C) one: out(x, y) = the input sampled at position(x, y).
template <class Position>
void resample_image(const float* in, float* out, Index h, Index w, Index c, Index out_h,
                    Index out_w, const Position& position, const Resampling& r) {
  constexpr auto kBilinear = Interpolation::Bilinear, kNearest = Interpolation::Nearest;
  const bool bilinear = r.interpolation == kBilinear;
  switch (c) {
    case 1:
      return bilinear ? resample<1, kBilinear>(in, out, h, w, c, out_h, out_w, position, r)
                      : resample<1, kNearest>(in, out, h, w, c, out_h, out_w, position, r);
    case 3:
      return bilinear ? resample<3, kBilinear>(in, out, h, w, c, out_h, out_w, position, r)
                      : resample<3, kNearest>(in, out, h, w, c, out_h, out_w, position, r);
    case 4:
      return bilinear ? resample<4, kBilinear>(in, out, h, w, c, out_h, out_w, position, r)
                      : resample<4, kNearest>(in, out, h, w, c, out_h, out_w, position, r);
    default:
      return bilinear ? resample<0, kBilinear>(in, out, h, w, c, out_h, out_w, position, r)
                      : resample<0, kNearest>(in, out, h, w, c, out_h, out_w, position, r);
  }
}

// The same image size in and out.
template <class Position>
void resample_image(const float* in, float* out, Index h, Index w, Index c,
                    const Position& position, const Resampling& r) {
  resample_image(in, out, h, w, c, h, w, position, r);
}

}  // namespace minidl::detail
