#include <minidl/core/detail/bf16_kernels.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <minidl/core/detail/bf16_round_avx512.hpp>
#include <minidl/core/detail/isa_target.hpp>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace minidl::detail {

#if defined(__x86_64__)

bool cpu_has_avx512_bf16() {
  unsigned eax, ebx, ecx, edx;
  return __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 5));
}

bool cpu_allows_amx() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool tile = edx & (1u << 24), bf16 = edx & (1u << 22);
  if (!tile || !bf16) return false;
#if defined(__linux__)
  // Linux hands out the 8 KB of tile state only to processes that ask (ARCH_REQ_XCOMP_PERM for
  // XFEATURE_XTILEDATA); it refuses when the kernel or a hypervisor does not support it.
  constexpr long kRequestPermission = 0x1023, kTileData = 18;
  return syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
#else
  return false;
#endif
}

MINIDL_TARGET_AVX512
void pack_pair_row_avx512(const float* even, const float* odd, Index n, bfloat16* out) {
  for (Index j = 0; j < n; j += 16) {
    const __mmask16 mask = lanes(n - j);
    const __m512i e = rounded_upper_halves(_mm512_maskz_loadu_epi32(mask, even + j));
    const __m512i o = rounded_upper_halves(_mm512_maskz_loadu_epi32(mask, odd + j));
    _mm512_mask_storeu_epi32(out + 2 * j, mask, pairs_of(e, o));
  }
}

namespace {

// r[i] lane j becomes r[j] lane i: 16 x 16 32-bit values (here pairs of bfloat16). Pairs of
// rows interleave 32-bit, then 64-bit values, which leaves 4 x 4 blocks transposed within each
// 128-bit lane; two rounds of 128-bit lane shuffles put the blocks in place. (The maskz forms
// with every lane kept are the same instructions; the plain forms' headers in GCC 12 read an
// undefined vector and warn.)
void transpose_16x16(__m512i r[16]) {
  constexpr __mmask16 all = 0xffff;
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_maskz_unpacklo_epi32(all, r[i], r[i + 1]);
    t[i + 1] = _mm512_maskz_unpackhi_epi32(all, r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_maskz_unpacklo_epi64(0xff, t[i], t[i + 2]);
    r[i + 1] = _mm512_maskz_unpackhi_epi64(0xff, t[i], t[i + 2]);
    r[i + 2] = _mm512_maskz_unpacklo_epi64(0xff, t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_maskz_unpackhi_epi64(0xff, t[i + 1], t[i + 3]);
  }
  for (int h = 0; h < 16; h += 8) {
    for (int i = 0; i < 4; ++i) {
      t[h + i] = _mm512_maskz_shuffle_i32x4(all, r[h + i], r[h + 4 + i], 0x88);
      t[h + 4 + i] = _mm512_maskz_shuffle_i32x4(all, r[h + i], r[h + 4 + i], 0xdd);
    }
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_maskz_shuffle_i32x4(all, t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_maskz_shuffle_i32x4(all, t[i], t[i + 8], 0xdd);
  }
}

// Pairs (x[2q], x[2q + 1]) for q < 16 from 32 floats at `from`, those past `count` zero.
__m512i pairs_of_row(const float* from, Index count) {
  const __m256i lo = rounded_values(_mm512_maskz_loadu_ps(lanes(count), from));
  const __m256i hi = rounded_values(_mm512_maskz_loadu_ps(lanes(count - 16), from + 16));
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

}  // namespace

void pack_b_transposed_avx512(const float* b, Index ldb, const PackedProduct& p, Index k, Index j0,
                              bfloat16* out) {
  // op(B)'s column j is B's row j, whose neighbouring values are already the pairs: 16 rows
  // give 16 pairs each, transposed into 16 pair rows of 16 columns.
  for (Index q0 = 0; q0 < p.depth / 2; q0 += 16) {
    __m512i r[16];
    for (Index j = 0; j < 16; ++j) {
      r[j] = j0 + j < p.n ? pairs_of_row(b + (j0 + j) * ldb + 2 * q0, k - 2 * q0)
                          : _mm512_setzero_si512();
    }
    // The same values of the next 16 rows, which the next call packs: 16 short runs at once
    // are more than the hardware prefetcher follows (Dense's input gradient reads its kernel so).
    for (Index j = j0 + 16; j < std::min(j0 + 32, p.n) && 2 * q0 < k; ++j) {
      __builtin_prefetch(b + j * ldb + 2 * q0);
      __builtin_prefetch(b + j * ldb + 2 * q0 + 16);
    }
    transpose_16x16(r);
    for (Index q = 0; q < 16; ++q) _mm512_storeu_si512(out + ((q0 + q) * p.width + j0) * 2, r[q]);
  }
}

void pack_a_transposed_avx512(const float* a, Index lda, const PackedProduct& p, Index k, Index i0,
                              bfloat16* out) {
  // op(A)'s row i is A's column i: pair rows of A's rows 2q and 2q + 1, 16 columns each,
  // transposed into 16 rows of 16 pairs.
  const Index count = std::min<Index>(16, p.m - i0);
  for (Index q0 = 0; q0 < p.depth / 2; q0 += 16) {
    __m512i r[16];
    for (Index q = 0; q < 16; ++q) {
      const Index d = 2 * (q0 + q);
      const __mmask16 mask = d < k ? lanes(count) : __mmask16(0);
      const __mmask16 odd_mask = d + 1 < k ? mask : __mmask16(0);
      const __m512i e = rounded_upper_halves(_mm512_maskz_loadu_epi32(mask, a + d * lda + i0));
      const __m512i o =
          rounded_upper_halves(_mm512_maskz_loadu_epi32(odd_mask, a + (d + 1) * lda + i0));
      r[q] = pairs_of(e, o);
    }
    transpose_16x16(r);
    for (Index i = 0; i < 16; ++i) _mm512_storeu_si512(out + (i0 + i) * p.depth + 2 * q0, r[i]);
  }
}
MINIDL_TARGET_END

MINIDL_TARGET_AMX
namespace {

// The start of packed row q of B (pairs of k) at column j.
const bfloat16* b_at(const PackedProduct& p, Index q, Index j) {
  return p.b + (q * p.width + j) * 2;
}

// Tiles 0-3 hold C's up to 2 x 2 blocks of 16 x 16 float32 (tile 2r + g), 4-5 A's two 16-row
// strips (16 x 32 bfloat16), 6-7 B's two 16-column strips (16 pairs x 16 columns).
struct alignas(64) TileConfig {
  std::uint8_t palette = 1, start_row = 0, reserved[14] = {};
  std::uint16_t bytes_per_row[16] = {};
  std::uint8_t rows[16] = {};
};

// GCC's tile intrinsics paste their tile number into the instruction's text: only a literal
// will do, so C's tiles (0-3) are picked by a switch, once per block.
#define MINIDL_EACH_C_TILE(statement) \
  switch (tile) {                     \
    case 0:                           \
      statement(0);                   \
      break;                          \
    case 1:                           \
      statement(1);                   \
      break;                          \
    case 2:                           \
      statement(2);                   \
      break;                          \
    default:                          \
      statement(3);                   \
  }

// C's 16 x 16 block at c: in place when it lies wholly inside C's `rows` x `cols` block, else
// through `edge`, a 16 x 16 copy with zeros outside.
void load_c(int tile, float* c, Index ldc, Index rows, Index cols, bool accumulate, float* edge) {
  const float* from = c;
  Index stride = ldc * sizeof(float);
  if (!accumulate) {
#define MINIDL_ZERO(t) _tile_zero(t)
    MINIDL_EACH_C_TILE(MINIDL_ZERO)
#undef MINIDL_ZERO
    return;
  }
  if (rows < 16 || cols < 16) {
    std::fill(edge, edge + 256, 0.0f);
    for (Index r = 0; r < std::min<Index>(rows, 16); ++r) {
      std::copy(c + r * ldc, c + r * ldc + std::min<Index>(cols, 16), edge + r * 16);
    }
    from = edge;
    stride = 16 * sizeof(float);
  }
#define MINIDL_LOAD(t) _tile_loadd(t, from, stride)
  MINIDL_EACH_C_TILE(MINIDL_LOAD)
#undef MINIDL_LOAD
}

void store_c(int tile, float* c, Index ldc, Index rows, Index cols, float* edge) {
  const bool inside = rows >= 16 && cols >= 16;
  float* to = inside ? c : edge;
  const Index stride = (inside ? ldc : 16) * sizeof(float);
#define MINIDL_STORE(t) _tile_stored(t, to, stride)
  MINIDL_EACH_C_TILE(MINIDL_STORE)
#undef MINIDL_STORE
  if (inside) return;
  for (Index r = 0; r < std::min<Index>(rows, 16); ++r) {
    std::copy(edge + r * 16, edge + r * 16 + std::min<Index>(cols, 16), c + r * ldc);
  }
}
#undef MINIDL_EACH_C_TILE

template <int strips, int groups>
void amx_block(const PackedProduct& p, ProductBlock block, float* c, Index ldc, bool accumulate) {
  alignas(64) float edge[256];
  float* c00 = c + block.row0 * ldc + block.col0;
  const Index a_stride = p.depth * sizeof(bfloat16), b_stride = p.width * 2 * sizeof(bfloat16);
  load_c(0, c00, ldc, block.rows, block.cols, accumulate, edge);
  if (groups == 2) load_c(1, c00 + 16, ldc, block.rows, block.cols - 16, accumulate, edge);
  if (strips == 2) {
    load_c(2, c00 + 16 * ldc, ldc, block.rows - 16, block.cols, accumulate, edge);
    if (groups == 2) {
      load_c(3, c00 + 16 * ldc + 16, ldc, block.rows - 16, block.cols - 16, accumulate, edge);
    }
  }
  const bfloat16* a = p.a + block.row0 * p.depth;
  for (Index d = 0; d < p.depth; d += 32) {
    const bfloat16* b = b_at(p, d / 2, block.col0);
    _tile_loadd(4, a + d, a_stride);
    _tile_loadd(6, b, b_stride);
    _tile_dpbf16ps(0, 4, 6);
    if (groups == 2) {
      _tile_loadd(7, b + 32, b_stride);
      _tile_dpbf16ps(1, 4, 7);
    }
    if (strips == 2) {
      _tile_loadd(5, a + 16 * p.depth + d, a_stride);
      _tile_dpbf16ps(2, 5, 6);
      if (groups == 2) _tile_dpbf16ps(3, 5, 7);
    }
  }
  store_c(0, c00, ldc, block.rows, block.cols, edge);
  if (groups == 2) store_c(1, c00 + 16, ldc, block.rows, block.cols - 16, edge);
  if (strips == 2) {
    store_c(2, c00 + 16 * ldc, ldc, block.rows - 16, block.cols, edge);
    if (groups == 2) store_c(3, c00 + 16 * ldc + 16, ldc, block.rows - 16, block.cols - 16, edge);
  }
}

}  // namespace

void amx_begin() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.rows[t] = 16;
    config.bytes_per_row[t] = 64;
  }
  // GCC 12's _tile_loadconfig tells the compiler it reads only the first 8 bytes: without this
  // barrier the stores of the rows above may be dropped, and the tiles stay unconfigured.
  asm volatile("" : : "r"(&config) : "memory");
  _tile_loadconfig(&config);
}

void product_amx(const PackedProduct& p, ProductBlock block, float* c, Index ldc, bool accumulate) {
  const bool two_strips = block.rows > 16, two_groups = block.cols > 16;
  if (two_strips && two_groups) return amx_block<2, 2>(p, block, c, ldc, accumulate);
  if (two_strips) return amx_block<2, 1>(p, block, c, ldc, accumulate);
  if (two_groups) return amx_block<1, 2>(p, block, c, ldc, accumulate);
  amx_block<1, 1>(p, block, c, ldc, accumulate);
}

void amx_end() {
  _tile_release();
}

void product_amx_implicit(const ImplicitProduct& p, float* c, bool accumulate) {
  amx_begin();
  const Index a_bytes = p.a_stride * sizeof(bfloat16);
  const Index b_bytes = p.width * 2 * sizeof(bfloat16), c_bytes = p.width * sizeof(float);
  for (Index r0 = 0; r0 < p.rows; r0 += 32) {
    const bool two_strips = r0 + 16 < p.rows;
    const bfloat16* a0 = p.a + p.strips[r0 / 16];
    const bfloat16* a1 = two_strips ? p.a + p.strips[r0 / 16 + 1] : a0;
    for (Index j0 = 0; j0 < p.width; j0 += 32) {
      const bool two_groups = j0 + 16 < p.width;
      float* out = c + r0 * p.width + j0;
      if (accumulate) {
        _tile_loadd(0, out, c_bytes);
        if (two_groups) _tile_loadd(1, out + 16, c_bytes);
        if (two_strips) _tile_loadd(2, out + 16 * p.width, c_bytes);
        if (two_strips && two_groups) _tile_loadd(3, out + 16 * p.width + 16, c_bytes);
      } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
      }
      for (Index s = 0; s < p.step_count; ++s) {
        const bfloat16* b = p.b + (16 * s * p.width + j0) * 2;
        _tile_loadd(4, a0 + p.steps[s], a_bytes);
        _tile_loadd(6, b, b_bytes);
        _tile_dpbf16ps(0, 4, 6);
        if (two_groups) {
          _tile_loadd(7, b + 32, b_bytes);
          _tile_dpbf16ps(1, 4, 7);
        }
        if (two_strips) {
          _tile_loadd(5, a1 + p.steps[s], a_bytes);
          _tile_dpbf16ps(2, 5, 6);
          if (two_groups) _tile_dpbf16ps(3, 5, 7);
        }
      }
      _tile_stored(0, out, c_bytes);
      if (two_groups) _tile_stored(1, out + 16, c_bytes);
      if (two_strips) {
        _tile_stored(2, out + 16 * p.width, c_bytes);
        if (two_groups) _tile_stored(3, out + 16 * p.width + 16, c_bytes);
      }
    }
  }
  amx_end();
}
MINIDL_TARGET_END

#else

bool cpu_has_avx512_bf16() {
  return false;
}
bool cpu_allows_amx() {
  return false;
}
void amx_begin() {}
void product_amx(const PackedProduct&, ProductBlock, float*, Index, bool) {}
void amx_end() {}
void product_amx_implicit(const ImplicitProduct&, float*, bool) {}
void pack_pair_row_avx512(const float*, const float*, Index, bfloat16*) {}

#endif

}  // namespace minidl::detail
