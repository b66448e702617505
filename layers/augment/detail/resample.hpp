// The sampling loop of the geometric transforms (affine and projective in affine_transform.cpp,
// displacement fields in random_elastic_transform.cpp): output pixel (x, y) reads the input at
// position(x, y), with the interpolation and fill mode of affine_transform.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <minidl/core/error.hpp>
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

// fix_index for a tap less than one image size outside (any tap for Nearest and Constant), in
// int32 and with min/max and unsigned compares rather than branches, so that loops over a row
// vectorise into few instructions.
template <FillMode kMode>
inline std::int32_t fix_near(std::int32_t i, std::int32_t n) {
  using U = std::uint32_t;
  if constexpr (kMode == FillMode::Constant) {
    return U(i) < U(n) ? i : -1;
  } else if constexpr (kMode == FillMode::Nearest) {
    return std::min(std::max(i, 0), n - 1);
  } else if constexpr (kMode == FillMode::Wrap) {
    // i + n when negative, then i - n when that is not negative (the unsigned min).
    const std::int32_t r = i + (n & (i >> 31));
    return std::int32_t(std::min(U(r), U(r - n)));
  } else {
    // -1 - i when negative, then 2n - 1 - i from n on.
    const std::int32_t r = i ^ (i >> 31);
    return std::min(r, 2 * n - 1 - r);
  }
}

// Nearest sample of (sx, sy) into out[0..c), for Reflect and Wrap taps fix_near does not reach
// (these modes never read fill_value).
inline void resample_nearest_far(const float* in, float* out, Index h, Index w, Index c, float sx,
                                 float sy, const Resampling& r) {
  const Index ix = fix_index(static_cast<Index>(std::floor(sx + 0.5f)), w, r.fill_mode);
  const Index iy = fix_index(static_cast<Index>(std::floor(sy + 0.5f)), h, r.fill_mode);
  const float* p = in + (iy * w + ix) * c;
  for (Index k = 0; k < c; ++k) out[k] = p[k];
}

// Bilinear sample of (sx, sy) into out[0..c), for Reflect and Wrap taps fix_near does not reach.
inline void resample_bilinear_far(const float* in, float* out, Index h, Index w, Index c, float sx,
                                  float sy, const Resampling& r) {
  const float fx0 = std::floor(sx), fy0 = std::floor(sy);
  const float wx = sx - fx0, wy = sy - fy0;
  const Index x0 = static_cast<Index>(fx0), y0 = static_cast<Index>(fy0);
  const Index xs[2] = {fix_index(x0, w, r.fill_mode), fix_index(x0 + 1, w, r.fill_mode)};
  const Index ys[2] = {fix_index(y0, h, r.fill_mode), fix_index(y0 + 1, h, r.fill_mode)};
  const float weights[2][2] = {{(1 - wy) * (1 - wx), (1 - wy) * wx}, {wy * (1 - wx), wy * wx}};
  for (Index k = 0; k < c; ++k) out[k] = 0.0f;
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 2; ++i) {
      const float* p = in + (ys[j] * w + xs[i]) * c;
      for (Index k = 0; k < c; ++k) out[k] += weights[j][i] * p[k];
    }
  }
}

// The taps of one output row, per pixel:
//   pixel    the input pixel of its first tap when every tap is inside the image (the fast
//            path), -1 when not (then x0, x1, y0, y1 are the taps fixed by the fill mode, -1 for
//            fill_value), -2 when a Reflect or Wrap tap is beyond fix_near (resample_*_far);
//   wx, wy   for bilinear, the weights of the second taps.
struct RowTaps {
  float *wx, *wy;
  std::int32_t *pixel, *x0, *x1, *y0, *y1;
};

// Fill `t` for output row y in one loop that vectorises (the position lambdas inline). Pixels
// up to last_pixel may take the fast path.
template <Interpolation kInterpolation, FillMode kMode, class Position>
void row_taps(RowTaps t, Index y, Index out_w, std::int32_t h, std::int32_t w,
              std::int32_t last_pixel, const Position& position) {
  constexpr bool kBilinear = kInterpolation == Interpolation::Bilinear;
  constexpr bool kPeriodic = kMode == FillMode::Reflect || kMode == FillMode::Wrap;
  // The first taps with every tap inside the image are below end_x, end_y (bilinear reads x0 and
  // x0 + 1), those fix_near reaches (taps -n to 2n - 1) below them plus 2n once shifted by n.
  const std::int32_t end_x = w - kBilinear, end_y = h - kBilinear;
  const std::int32_t far_x = end_x + 2 * w, far_y = end_y + 2 * h;
  using U = std::uint32_t;
  // Positions are clamped to [-n - 1, 2n], which keeps both whether the taps are inside and
  // whether fix_near reaches them, so that the conversion to int is defined (NaN goes low).
  const float lo_x = -float(w) - 1, hi_x = 2 * float(w), lo_y = -float(h) - 1, hi_y = 2 * float(h);
  // The arrays do not overlap: no run-time alias checks (too many for GCC to make here).
#pragma GCC ivdep
  for (Index x = 0; x < out_w; ++x) {
    const auto [sx, sy] = position(x, y);
    // Nearest rounds halves up: floor(s + 0.5).
    const float ux = kBilinear ? sx : sx + 0.5f, uy = kBilinear ? sy : sy + 0.5f;
    const float lx = ux > lo_x ? ux : lo_x, ly = uy > lo_y ? uy : lo_y;
    const float cx = lx < hi_x ? lx : hi_x, cy = ly < hi_y ? ly : hi_y;
    // floor by hand: std::floor does not vectorise under GCC's default -ftrapping-math.
    const std::int32_t tx = static_cast<std::int32_t>(cx), ty = static_cast<std::int32_t>(cy);
    const std::int32_t ix = tx - (float(tx) > cx), iy = ty - (float(ty) > cy);
    // A clamped position's weight is wrong but unused: both its taps then read the same value.
    if constexpr (kBilinear) t.wx[x] = cx - float(ix), t.wy[x] = cy - float(iy);
    // Unsigned compares test both ends at once.
    const bool inside = (U(ix) < U(end_x)) & (U(iy) < U(end_y));
    const std::int32_t pixel = (inside ? iy : 0) * w + (inside ? ix : 0);
    const bool far = kPeriodic & ((U(ix + w) >= U(far_x)) | (U(iy + h) >= U(far_y)));
    t.pixel[x] = inside & (pixel <= last_pixel) ? pixel : far ? -2 : -1;
    t.x0[x] = fix_near<kMode>(ix, w), t.y0[x] = fix_near<kMode>(iy, h);
    if constexpr (kBilinear) {
      t.x1[x] = fix_near<kMode>(ix + 1, w), t.y1[x] = fix_near<kMode>(iy + 1, h);
    }
  }
}

// row_taps for a fill mode known at run time.
template <Interpolation kInterpolation, class Position>
void row_taps(RowTaps t, Index y, Index out_w, std::int32_t h, std::int32_t w,
              std::int32_t last_pixel, const Position& position, FillMode mode) {
  switch (mode) {
    case FillMode::Reflect:
      return row_taps<kInterpolation, FillMode::Reflect>(t, y, out_w, h, w, last_pixel, position);
    case FillMode::Wrap:
      return row_taps<kInterpolation, FillMode::Wrap>(t, y, out_w, h, w, last_pixel, position);
    case FillMode::Constant:
      return row_taps<kInterpolation, FillMode::Constant>(t, y, out_w, h, w, last_pixel, position);
    case FillMode::Nearest:
      return row_taps<kInterpolation, FillMode::Nearest>(t, y, out_w, h, w, last_pixel, position);
  }
}

// Bilinear blend into out[0..c) of the taps p00, p01 (next column), p10 (next row) and p11.
template <int C>
inline void blend(const float* p00, const float* p01, const float* p10, const float* p11, Index c,
                  float wx, float wy, float* out) {
  for (Index k = 0; k < (C ? C : c); ++k) {
    const float top = p00[k] + wx * (p01[k] - p00[k]);
    const float bottom = p10[k] + wx * (p11[k] - p10[k]);
    out[k] = top + wy * (bottom - top);
  }
}

// blend with taps p00, p00 + c, p00 + row, p00 + row + c, all inside the image.
template <int C>
inline void bilinear_inside(const float* p00, Index row, Index c, float wx, float wy, float* out) {
  if constexpr (C == 3) {
    // As 4 lanes, the fourth reading the next pixel's first channel and dropped, so that each tap
    // is one vector load (GCC's vectoriser alone splits 3 lanes into 2 + 1).
    using Lanes = float __attribute__((vector_size(16)));
    const auto load = [](const float* p) {
      Lanes v;
      std::memcpy(&v, p, sizeof v);
      return v;
    };
    const Lanes a = load(p00), b = load(p00 + 3), d = load(p00 + row), e = load(p00 + row + 3);
    const Lanes top = a + wx * (b - a), bottom = d + wx * (e - d);
    const Lanes v = top + wy * (bottom - top);
    out[0] = v[0], out[1] = v[1], out[2] = v[2];
  } else {
    blend<C>(p00, p00 + c, p00 + row, p00 + row + c, c, wx, wy, out);
  }
}

// The resampler for C channels (C = 0: read the count from `c_runtime`) and one interpolation.
// Both are template parameters so that the per-pixel loop has no mode branch and the compiler
// unrolls the per-channel loops of the common cases (1, 3, 4 channels). position(x, y) returns
// the input position (float, as Keras computes it in float32) as a pair.
//
// One output row at a time: its taps (row_taps), then the sampling, with a fast path for the
// pixels whose taps are all inside the image (most of them).
template <int C, Interpolation kInterpolation, class Position>
void resample(const float* in, float* out, Index h, Index w, Index c_runtime, Index out_h,
              Index out_w, const Position& position, const Resampling& r) {
  constexpr bool kBilinear = kInterpolation == Interpolation::Bilinear;
  const Index c = C ? C : c_runtime;
  const Index row = w * c;
  // The last pixel whose reads in the fast path stay inside `in` (bilinear_inside's padded one).
  const std::int32_t last_pixel = std::int32_t(h * w - (kBilinear && C == 3 ? w + 3 : 1));
  // Two rows of taps, the one being sampled and the next, then a pixel of fill_value.
  std::vector<float> floats(std::size_t(4 * out_w + c), r.fill_value);
  std::vector<std::int32_t> ints(std::size_t(10 * out_w));
  const float* fill = floats.data() + 4 * out_w;
  RowTaps rows[2];
  for (int i = 0; i < 2; ++i) {
    float* f = floats.data() + 2 * i * out_w;
    std::int32_t* n = ints.data() + 5 * i * out_w;
    rows[i] = {f, f + out_w, n, n + out_w, n + 2 * out_w, n + 3 * out_w, n + 4 * out_w};
  }
  const auto taps = [&](Index y) {
    row_taps<kInterpolation>(rows[y % 2], y, out_w, std::int32_t(h), std::int32_t(w), last_pixel,
                             position, r.fill_mode);
  };
  const auto tap = [&](std::int32_t ty, std::int32_t tx) {
    return (ty | tx) < 0 ? fill : in + (ty * w + tx) * c;
  };
  if (out_h > 0) taps(0);
  for (Index y = 0; y < out_h; ++y) {
    const RowTaps t = rows[y % 2];
    if (y + 1 < out_h) taps(y + 1);
    // The next row reads mostly where this one does, but the rest (a rotation sweeps across
    // input rows) would wait on memory when the image is not in cache: fetched while this row is
    // sampled (the last row fetches rows already read).
    const std::int32_t* next = rows[(y + 1) % 2].pixel;
    for (Index x = 0; x < out_w; ++x, out += c) {
      const float* fetch = in + std::max(next[x], 0) * c;
      __builtin_prefetch(fetch);
      if (kBilinear) __builtin_prefetch(fetch + row);
      const std::int32_t pixel = t.pixel[x];
      if constexpr (kBilinear) {
        if (pixel >= 0) {
          bilinear_inside<C>(in + pixel * c, row, c, t.wx[x], t.wy[x], out);
        } else if (pixel == -1) {
          blend<C>(tap(t.y0[x], t.x0[x]), tap(t.y0[x], t.x1[x]), tap(t.y1[x], t.x0[x]),
                   tap(t.y1[x], t.x1[x]), c, t.wx[x], t.wy[x], out);
        } else {
          const auto [sx, sy] = position(x, y);
          resample_bilinear_far(in, out, h, w, c, sx, sy, r);
        }
      } else {
        if (pixel == -2) {
          const auto [sx, sy] = position(x, y);
          resample_nearest_far(in, out, h, w, c, sx, sy, r);
          continue;
        }
        const float* p = pixel >= 0 ? in + pixel * c : tap(t.y0[x], t.x0[x]);
        for (Index k = 0; k < c; ++k) out[k] = p[k];
      }
    }
  }
}

// One (H,W,C) image into an (out_h,out_w,C) one: out(x, y) = the input sampled at position(x, y).
template <class Position>
void resample_image(const float* in, float* out, Index h, Index w, Index c, Index out_h,
                    Index out_w, const Position& position, const Resampling& r) {
  // Taps are int32 pixel indices, with room for positions up to two image sizes away.
  if (h * w >= (Index(1) << 29)) {
    throw Error("resample: images of 2^29 pixels or more are not supported");
  }
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
