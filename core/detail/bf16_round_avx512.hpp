// Internal: AVX-512 helpers of the bfloat16 kernels. to_bfloat16 (core/bfloat16.hpp) on 16 lanes
// of integer code, for kernels that must run on AVX-512 CPUs without AVX512_BF16's conversion
// instruction (the same bits), and the lane masks of rows that end inside a vector.
#pragma once

#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/shape.hpp>

#ifdef MINIDL_X86_KERNELS
namespace minidl::detail {

// The first `count` of 16 lanes as a mask; none for count <= 0 (a row's values can end before a
// group of 16 starts).
inline __mmask16 lanes(Index count) {
  if (count <= 0) return 0;
  return count >= 16 ? __mmask16(0xffff) : __mmask16((1u << count) - 1);
}

}  // namespace minidl::detail

MINIDL_TARGET_AVX512
namespace minidl::detail {

// Each float's bfloat16, left in its lane's upper half.
inline __m512i rounded_upper_halves(__m512i u) {
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                _mm512_set1_epi32(0x7f800000));
  return _mm512_mask_or_epi32(rounded, nan, u, _mm512_set1_epi32(0x00400000));
}

// The 16 floats' bfloat16 values, side by side.
inline __m256i rounded_values(__m512 x) {
  return _mm512_cvtepi32_epi16(_mm512_srli_epi32(rounded_upper_halves(_mm512_castps_si512(x)), 16));
}

// Pairs from two sets of rounded_upper_halves: each 32-bit lane holds even's bfloat16 in its low
// half and odd's in its high half.
inline __m512i pairs_of(__m512i even_upper, __m512i odd_upper) {
  return _mm512_or_si512(_mm512_srli_epi32(even_upper, 16),
                         _mm512_and_si512(odd_upper, _mm512_set1_epi32(int(0xffff0000u))));
}

}  // namespace minidl::detail
MINIDL_TARGET_END
#endif
