// Internal: to_bfloat16 (core/bfloat16.hpp) on 16 lanes of AVX-512 integer code, for kernels that
// must run on AVX-512 CPUs without AVX512_BF16's conversion instruction; the same bits.
#pragma once

#include <minidl/core/detail/isa_target.hpp>

#ifdef MINIDL_X86_KERNELS
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

}  // namespace minidl::detail
MINIDL_TARGET_END
#endif
