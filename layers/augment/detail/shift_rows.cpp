#include <minidl/layers/augment/detail/shift_rows.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <minidl/layers/augment/detail/resample.hpp>

namespace minidl::detail {

void shift_rows(const float* in, float* out, Index h, Index w, Index c, float dx, float dx_per_row,
                float dy, const Resampling& r) {
  const bool bilinear = r.interpolation == Interpolation::Bilinear;
  // Nearest rounds halves up: tap floor(s + 0.5); bilinear taps floor(s) and floor(s) + 1.
  const float half = bilinear ? 0.0f : 0.5f;
  const auto row_shift = [&](Index y) { return dx + dx_per_row * float(y) + half; };
  const float fy0 = std::floor(dy + half), wy = bilinear ? dy - fy0 : 0.0f;
  // The taps of every column offset the rows reach, fixed by the fill mode (-1: fill_value).
  const Index first_low = Index(std::min(std::floor(row_shift(0)), std::floor(row_shift(h - 1))));
  const Index first_high = Index(std::max(std::floor(row_shift(0)), std::floor(row_shift(h - 1))));
  std::vector<Index> column_tap(std::size_t(first_high - first_low + w + 1));
  for (std::size_t t = 0; t < column_tap.size(); ++t) {
    column_tap[t] = fix_index(first_low + Index(t), w, r.fill_mode);
  }
  // A row of fill_value for taps outside (constant fill mode).
  const std::vector<float> fill_row(std::size_t(w * c), r.fill_value);
  const auto row_of = [&](Index tap) {
    const Index fixed = fix_index(tap, h, r.fill_mode);
    return fixed < 0 ? fill_row.data() : in + fixed * w * c;
  };
  const auto pixel = [&](const float* row, Index column) {
    const Index tap = column_tap[std::size_t(column - first_low)];
    return tap < 0 ? fill_row.data() : row + tap * c;
  };
  for (Index y = 0; y < h; ++y, out += w * c) {
    const float* r0 = row_of(Index(fy0) + y);
    const float* r1 = bilinear ? row_of(Index(fy0) + y + 1) : r0;
    const float s = row_shift(y), fx0 = std::floor(s), wx = bilinear ? s - fx0 : 0.0f;
    const Index first = Index(fx0);
    // The columns near the edges, tap by tap, then those whose taps are all inside the image.
    const Index inside_begin = std::clamp<Index>(-first, 0, w);
    const Index inside_end = std::clamp<Index>(w - bilinear - first, inside_begin, w);
    const auto edge = [&](Index from, Index to) {
      for (Index x = from; x < to; ++x) {
        const float* p00 = pixel(r0, first + x);
        if (!bilinear) {
          std::copy(p00, p00 + c, out + x * c);
          continue;
        }
        const float *p01 = pixel(r0, first + x + 1), *p10 = pixel(r1, first + x),
                    *p11 = pixel(r1, first + x + 1);
        // RGB unrolled: a shift by a quarter of the image has a quarter of its pixels here.
        if (c == 3) {
          blend<3>(p00, p01, p10, p11, c, wx, wy, out + x * c);
        } else {
          blend<0>(p00, p01, p10, p11, c, wx, wy, out + x * c);
        }
      }
    };
    edge(0, inside_begin);
    edge(inside_end, w);
    const Index begin = inside_begin * c, end = inside_end * c;
    const float* a = r0 + first * c;
    if (!bilinear) {
      std::copy(a + begin, a + end, out + begin);
      continue;
    }
    const float* d = r1 + first * c;
    for (Index j = begin; j < end; ++j) {
      const float top = a[j] + wx * (a[j + c] - a[j]);
      const float bottom = d[j] + wx * (d[j + c] - d[j]);
      out[j] = top + wy * (bottom - top);
    }
  }
}

}  // namespace minidl::detail
