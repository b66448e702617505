#include <minidl/layers/augment/detail/translate.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <minidl/layers/augment/detail/resample.hpp>

namespace minidl::detail {
namespace {

// The taps of one axis for a shift: output i reads first + i (and first + i + 1 for bilinear),
// fixed by the fill mode (-1: fill_value).
struct AxisTaps {
  Index first = 0;
  std::vector<Index> tap0, tap1;
};

AxisTaps axis_taps(Index n, Index first, bool bilinear, FillMode mode) {
  AxisTaps t;
  t.first = first;
  t.tap0.resize(std::size_t(n));
  if (bilinear) t.tap1.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    t.tap0[std::size_t(i)] = fix_index(first + i, n, mode);
    if (bilinear) t.tap1[std::size_t(i)] = fix_index(first + i + 1, n, mode);
  }
  return t;
}

}  // namespace

void translate_image(const float* in, float* out, Index h, Index w, Index c, float dx, float dy,
                     const Resampling& r) {
  const bool bilinear = r.interpolation == Interpolation::Bilinear;
  // Nearest rounds halves up: tap floor(s + 0.5); bilinear taps floor(s) and floor(s) + 1.
  const float sx = bilinear ? dx : dx + 0.5f, sy = bilinear ? dy : dy + 0.5f;
  // Shifts beyond twice the image only matter modulo the period of the fill mode; clamping
  // keeps the integer conversion defined (fix_index handles any tap).
  const float limit = 4.0f * float(std::max(h, w)) + 4.0f;
  const float fx0 = std::floor(std::clamp(sx, -limit, limit));
  const float fy0 = std::floor(std::clamp(sy, -limit, limit));
  const float wx = bilinear ? sx - fx0 : 0.0f, wy = bilinear ? sy - fy0 : 0.0f;
  const AxisTaps cols = axis_taps(w, Index(fx0), bilinear, r.fill_mode);
  const AxisTaps rows = axis_taps(h, Index(fy0), bilinear, r.fill_mode);
  // Columns whose taps are all inside the image.
  const Index inside_begin = std::clamp<Index>(-cols.first, 0, w);
  const Index inside_end = std::clamp<Index>(w - bilinear - cols.first, inside_begin, w);
  // A row of fill_value for taps outside (constant fill mode).
  const std::vector<float> fill_row(std::size_t(w * c), r.fill_value);
  const auto row_of = [&](Index tap) { return tap < 0 ? fill_row.data() : in + tap * w * c; };
  const Index shift = cols.first * c;
  for (Index y = 0; y < h; ++y, out += w * c) {
    const float* r0 = row_of(rows.tap0[std::size_t(y)]);
    const float* r1 = bilinear ? row_of(rows.tap1[std::size_t(y)]) : r0;
    const auto pixel = [&](const float* row, Index tap) {
      return tap < 0 ? fill_row.data() : row + tap * c;
    };
    // The columns near the edges, tap by tap.
    const auto edge = [&](Index from, Index to) {
      for (Index x = from; x < to; ++x) {
        const float* p00 = pixel(r0, cols.tap0[std::size_t(x)]);
        if (!bilinear) {
          std::copy(p00, p00 + c, out + x * c);
          continue;
        }
        const float* p01 = pixel(r0, cols.tap1[std::size_t(x)]);
        const float* p10 = pixel(r1, cols.tap0[std::size_t(x)]);
        const float* p11 = pixel(r1, cols.tap1[std::size_t(x)]);
        blend<0>(p00, p01, p10, p11, c, wx, wy, out + x * c);
      }
    };
    edge(0, inside_begin);
    edge(inside_end, w);
    const Index begin = inside_begin * c, end = inside_end * c;
    if (!bilinear) {
      std::copy(r0 + begin + shift, r0 + end + shift, out + begin);
      continue;
    }
    const float* a = r0 + shift;
    const float* d = r1 + shift;
    for (Index j = begin; j < end; ++j) {
      const float top = a[j] + wx * (a[j + c] - a[j]);
      const float bottom = d[j] + wx * (d[j + c] - d[j]);
      out[j] = top + wy * (bottom - top);
    }
  }
}

}  // namespace minidl::detail
