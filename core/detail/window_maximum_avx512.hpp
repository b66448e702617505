// Internal: the 2x2 kernels' maximum of a window (layers/detail/max_pool_2x2.hpp), 16 channels at
// once, for every kernel that pools values it has in registers: max_pool_2x2 on an image,
// Winograd's output transform on the 2x2 blocks it computes, the direct loops and the bfloat16 dot
// tiles on the windows their accumulators hold.
#pragma once

#include <cstdint>

#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/detail/window_record.hpp>

#ifdef MINIDL_X86_KERNELS
MINIDL_TARGET_AVX512
namespace minidl::detail {

struct WindowMaximum {
  __m512 value;
  __m512i position;  // 0-3, row-major in the window, or kNoMaximum
};

// Strict > in row-major window order (ties to the first); NaN is never taken.
[[gnu::always_inline]] inline WindowMaximum window_maximum(const __m512 (&pixels)[4]) {
  WindowMaximum m{_mm512_set1_ps(-__builtin_inff()), _mm512_set1_epi32(kNoMaximum)};
  for (int k = 0; k < 4; ++k) {
    const __mmask16 above = _mm512_cmp_ps_mask(pixels[k], m.value, _CMP_GT_OQ);
    m.value = _mm512_mask_mov_ps(m.value, above, pixels[k]);
    m.position = _mm512_mask_mov_epi32(m.position, above, _mm512_set1_epi32(k));
  }
  return m;
}

// The 16 record bytes (window_record.hpp): the position, plus kPositive where the maximum is > 0;
// only the lanes of `kept` are stored.
[[gnu::always_inline]] inline void store_record(const WindowMaximum& m, std::uint8_t* at,
                                                __mmask16 kept = 0xffff) {
  const __mmask16 positive = _mm512_cmp_ps_mask(m.value, _mm512_setzero_ps(), _CMP_GT_OQ);
  const __m512i record =
      _mm512_mask_or_epi32(m.position, positive, m.position, _mm512_set1_epi32(kPositive));
  if (kept == 0xffff) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(at), _mm512_cvtepi32_epi8(record));
  } else {
    _mm512_mask_cvtepi32_storeu_epi8(at, kept, record);
  }
}

// As activation_forward's ReLU: max(0, v) keeps -0 and NaN as they are. The maskz form, every lane
// kept: GCC 12's plain form reads an undefined vector and warns once the values stay in registers.
[[gnu::always_inline]] inline __m512 relu(__m512 v) {
  return _mm512_maskz_max_ps(0xffff, _mm512_setzero_ps(), v);
}

// For the kernels that pool what they compute: the maximum of a window's `pixels`, after a ReLU
// when `rectify`, stored at `value` and its record at `record` when not null; the lanes of `kept`
// only.
[[gnu::always_inline]] inline void store_window_maximum(const __m512 (&pixels)[4], bool rectify,
                                                        float* value, std::uint8_t* record,
                                                        __mmask16 kept = 0xffff) {
  __m512 v[4];
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) v[k] = rectify ? relu(pixels[k]) : pixels[k];
  const WindowMaximum m = window_maximum(v);
  if (kept == 0xffff) {
    _mm512_storeu_ps(value, m.value);
  } else {
    _mm512_mask_storeu_ps(value, kept, m.value);
  }
  if (record) store_record(m, record, kept);
}

}  // namespace minidl::detail
MINIDL_TARGET_END
#endif
