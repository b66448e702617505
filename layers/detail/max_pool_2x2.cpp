#include <minidl/layers/detail/max_pool_2x2.hpp>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/bf16_round_avx512.hpp>
#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/detail/window_maximum_avx512.hpp>

namespace minidl::detail {

bool suits_max_pool_2x2(Index channels) {
  return kernel_isa() == Isa::avx512 && channels % 16 == 0;
}

#ifdef MINIDL_X86_KERNELS
MINIDL_TARGET_AVX512

namespace {

// body(pixels, at) for every window and group of 16 channels: the window's four input pixels
// (y * W + x, row-major) and the output's offset of the group.
template <class Body>
void for_each_window(Index h, Index w, Index c, Body body) {
  const Index ow = w / 2;
  for (Index oy = 0; oy < h / 2; ++oy) {
    for (Index ox = 0; ox < ow; ++ox) {
      const Index top = 2 * oy * w + 2 * ox;
      const Index pixels[4] = {top, top + 1, top + w, top + w + 1};
      for (Index ch = 0; ch < c; ch += 16) body(pixels, (oy * ow + ox) * c + ch, ch);
    }
  }
}

// A window's gradient g and, decoded from its record, the lanes where it goes (all, or with
// `relu` only where the maximum was > 0) and the window position it goes to there.
struct Routed {
  __m512 g;
  __mmask16 live;
  __m512i position;
};
[[gnu::always_inline]] inline Routed routed(const float* dy, const std::uint8_t* windows, bool relu,
                                            Index at) {
  const __m512i flag = _mm512_set1_epi32(kPositive);
  const __m512i record =
      _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(windows + at)));
  return Routed{_mm512_loadu_ps(dy + at),
                relu ? _mm512_test_epi32_mask(record, flag) : __mmask16(0xffff),
                _mm512_andnot_si512(flag, record)};
}
// The lanes whose gradient goes to window position k.
[[gnu::always_inline]] inline __mmask16 taken(const Routed& r, int k) {
  return _mm512_mask_cmpeq_epi32_mask(r.live, r.position, _mm512_set1_epi32(k));
}

}  // namespace

void max_pool_2x2(const float* image, Index h, Index w, Index c, float* out,
                  std::uint8_t* windows) {
  // Inlined by force: GCC otherwise calls the body once per window and 16 channels.
  for_each_window(
      h, w, c, [&](const Index* pixels, Index at, Index ch) __attribute__((always_inline)) {
        const __m512 v[4] = {_mm512_loadu_ps(image + pixels[0] * c + ch),
                             _mm512_loadu_ps(image + pixels[1] * c + ch),
                             _mm512_loadu_ps(image + pixels[2] * c + ch),
                             _mm512_loadu_ps(image + pixels[3] * c + ch)};
        const WindowMaximum m = window_maximum(v);
        _mm512_storeu_ps(out + at, m.value);
        if (windows) store_record(m, windows + at);
      });
}

void route_max_pool_2x2(const float* dy, const std::uint8_t* windows, bool relu, Index h, Index w,
                        Index c, float* dx) {
  // Inlined by force, as max_pool_2x2's.
  for_each_window(
      h, w, c, [&](const Index* pixels, Index at, Index ch) __attribute__((always_inline)) {
        const Routed r = routed(dy, windows, relu, at);
        for (int k = 0; k < 4; ++k) {
          _mm512_storeu_ps(dx + pixels[k] * c + ch, _mm512_maskz_mov_ps(taken(r, k), r.g));
        }
      });
}

void route_max_pool_2x2_pairs(const float* dy, const std::uint8_t* windows, bool relu, Index h,
                              Index w, Index c, Index width, bfloat16* pairs, float* sum) {
  const Index ow = w / 2, row = width * 2;
  for (Index oy = 0; oy < h / 2; ++oy) {
    bfloat16* const top_row = pairs + 2 * oy * ow * row;
    bfloat16* const bottom_row = top_row + ow * row;
    // Channels outermost, so that one pass over the windows also sums each image row's values
    // from 0 in order (a window holds one value per channel, in one of its two rows); the sums
    // are then added to `sum`, top row before bottom row.
    for (Index ch = 0; ch < c; ch += 16) {
      __m512 row_sum[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
      for (Index ox = 0; ox < ow; ++ox) {
        const Routed r = routed(dy, windows, relu, (oy * ow + ox) * c + ch);
        // The bfloat16 values in the pairs' low halves (even x) and high halves (odd x).
        const __m512i upper = rounded_upper_halves(_mm512_castps_si512(r.g));
        const __m512i low = _mm512_srli_epi32(upper, 16);
        const __m512i high = _mm512_slli_epi32(low, 16);
        for (int y = 0; y < 2; ++y) {
          const __mmask16 even = taken(r, 2 * y), odd = taken(r, 2 * y + 1);
          const __m512i pair =
              _mm512_or_si512(_mm512_maskz_mov_epi32(even, low), _mm512_maskz_mov_epi32(odd, high));
          _mm512_storeu_si512((y ? bottom_row : top_row) + ox * row + 2 * ch, pair);
          row_sum[y] = _mm512_mask_add_ps(row_sum[y], even | odd, row_sum[y], r.g);
        }
      }
      if (!sum) continue;
      for (const __m512 s : row_sum) {
        _mm512_storeu_ps(sum + ch, _mm512_add_ps(_mm512_loadu_ps(sum + ch), s));
      }
    }
    // Zero pairs past C. No std::fill: a template instantiated in this region could be shared
    // with code that runs on CPUs without AVX-512.
    for (Index j = 0; j < ow * row; j += row) {
      for (Index k = 2 * c; k < row; ++k) top_row[j + k] = bottom_row[j + k] = bfloat16{};
    }
  }
}

MINIDL_TARGET_END
#else  // suits_max_pool_2x2() is false: never called

void max_pool_2x2(const float*, Index, Index, Index, float*, std::uint8_t*) {}
void route_max_pool_2x2(const float*, const std::uint8_t*, bool, Index, Index, Index, float*) {}
void route_max_pool_2x2_pairs(const float*, const std::uint8_t*, bool, Index, Index, Index, Index,
                              bfloat16*, float*) {}

#endif

}  // namespace minidl::detail
