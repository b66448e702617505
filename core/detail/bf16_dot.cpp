#include <minidl/core/detail/bf16_dot.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include <minidl/core/detail/bf16_round_avx512.hpp>
#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/detail/window_maximum_avx512.hpp>
#include <minidl/core/detail/window_record.hpp>
#include <minidl/core/gemm_bf16.hpp>

namespace minidl::detail {
namespace {

// Row i's result in column j, starting from `sum`.
float row_result(const DotProduct& p, Index i, Index j, float sum) {
  for (Index s = 0; s < p.step_count; ++s) {
    const DotStep& step = p.steps[s];
    const bfloat16* a = p.a + p.rows[i] + step.a;
    for (Index q = 0; q < step.pairs; ++q) {
      const bfloat16* b = p.b + ((step.b + q) * p.width + j) * 2;
      sum += to_float(a[2 * q]) * to_float(b[0]) + to_float(a[2 * q + 1]) * to_float(b[1]);
    }
  }
  if (p.bias) sum += p.bias[j];
  // As activation_forward's ReLU: max(0, v) keeps -0 and NaN as they are.
  return p.relu && sum < 0.0f ? 0.0f : sum;
}

void dot_portable(const DotProduct& p, Index row0, Index row1, Index col0, Index col1) {
  if (!p.pooled) {
    for (Index i = row0; i < row1; ++i) {
      float* out = p.c + p.c_rows[i];
      for (Index j = col0; j < col1; ++j)
        out[j] = row_result(p, i, j, p.accumulate ? out[j] : 0.0f);
    }
    return;
  }
  for (Index w = row0 / 4; w < row1 / 4; ++w) {
    for (Index j = col0; j < col1; ++j) {
      // As max_pool_2x2: strict > in window order (ties to the first), NaN never taken.
      float best = -std::numeric_limits<float>::infinity();
      std::uint8_t position = kNoMaximum;
      for (Index k = 0; k < 4; ++k) {
        const float v = row_result(p, 4 * w + k, j, 0.0f);
        if (v > best) best = v, position = static_cast<std::uint8_t>(k);
      }
      p.c[p.c_rows[w] + j] = best;
      if (p.windows) p.windows[p.c_rows[w] + j] = position | (best > 0.0f ? kPositive : 0);
    }
  }
}

}  // namespace

#if defined(MINIDL_X86_KERNELS)
MINIDL_TARGET_AVX512_BF16
namespace {

// Rows row0 .. row0 + R - 1 (those past `live` repeat the last live row and are not stored) by
// columns j0 .. j0 + 16 G - 1 (`cols` of them stored): R x G vectors of 16 sums in registers, each
// pair of A broadcast once against G vectors of B. kPooled: the R / 4 windows' maxima instead.
template <int R, int G, bool kAccumulate, bool kPooled = false>
void dot_tile(const DotProduct& p, Index row0, Index live, Index j0, Index cols) {
  const bfloat16* a[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) a[r] = p.a + p.rows[row0 + std::min<Index>(r, live - 1)];
  __mmask16 mask[G];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) mask[g] = lanes(cols - 16 * g);
  // The sums start from the bias: no addition per sum afterwards.
  __m512 sums[R][G];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
    const __m512 start =
        p.bias ? _mm512_maskz_loadu_ps(mask[g], p.bias + j0 + 16 * g) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) sums[r][g] = start;
  }
  // The C values the epilogue adds to, fetched while the products run: a Dense kernel gradient's
  // 2 MB come from L3 or memory, one tile of rows after another, each a stall the prefetcher does
  // not foresee (Dense's backward under mixed_bfloat16, one thread: 1.32 -> 1.16 ms).
  if (kAccumulate) {
    for (int r = 0; r < live; ++r) {
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) _mm_prefetch(p.c + p.c_rows[row0 + r] + j0 + 16 * g, _MM_HINT_T0);
    }
  }
  const Index b_row = p.width * 2;
  for (Index s = 0; s < p.step_count; ++s) {
    const DotStep step = p.steps[s];
    const bfloat16* b = p.b + step.b * b_row + j0 * 2;
    const bfloat16* from[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) from[r] = a[r] + step.a;
    for (Index q = 0; q < step.pairs; ++q, b += b_row) {
      __m512i right[G];
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) right[g] = _mm512_loadu_si512(b + 32 * g);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        std::int32_t pair;
        std::memcpy(&pair, from[r] + 2 * q, sizeof pair);
        const __m512bh left = (__m512bh)_mm512_set1_epi32(pair);
#pragma GCC unroll 16
        for (int g = 0; g < G; ++g) {
          sums[r][g] = _mm512_dpbf16_ps(sums[r][g], left, (__m512bh)right[g]);
        }
      }
    }
  }
  // What the stores need, in locals: they may alias anything, p's fields included, which the
  // compiler would otherwise reload after each one (a quarter of a 3-channel convolution's time).
  // Rows by a constant index, so that the sums stay in registers (a loop to `live` kept them on the
  // stack), and unmasked stores where all the columns are stored: with the bias as the sums'
  // start, a 3-channel convolution's forward over 64 32x32 images, one thread, 0.87 -> 0.73 ms;
  // Dense's kernel gradient in the reference CNN 0.46 -> 0.42 ms.
  float* const c = p.c;
  const bool full = cols == 16 * G, rectify = p.relu;
  if constexpr (kPooled) {
    std::uint8_t* const windows = p.windows;
    const Index* const window_at = p.c_rows + row0 / 4;
#pragma GCC unroll 16
    for (int w = 0; w < R / 4; ++w) {
      if (4 * w == live) break;
      const Index at = window_at[w] + j0;
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) {
        const __m512 pixels[4] = {sums[4 * w][g], sums[4 * w + 1][g], sums[4 * w + 2][g],
                                  sums[4 * w + 3][g]};
        store_window_maximum(pixels, rectify, c + at + 16 * g,
                             windows ? windows + at + 16 * g : nullptr, mask[g]);
      }
    }
    return;
  }
  const Index* const c_rows = p.c_rows + row0;
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    if (r == live) break;
    float* out = c + c_rows[r] + j0;
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      __m512 v = sums[r][g];
      if (kAccumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[g], out + 16 * g));
      if (rectify) v = relu(v);
      if (full) {
        _mm512_storeu_ps(out + 16 * g, v);
      } else {
        _mm512_mask_storeu_ps(out + 16 * g, mask[g], v);
      }
    }
  }
}

// Tiles of R rows, the last one of R, R / 2 or R / 4 rows, whichever wastes least (a 3-channel
// layer's kernel gradient has 27 rows: 12 + 12 + 3).
template <int R, int G, bool kAccumulate>
void dot_rows(const DotProduct& p, Index row0, Index row1, Index j0, Index cols) {
  Index i = row0;
  for (; i + R <= row1; i += R) dot_tile<R, G, kAccumulate>(p, i, R, j0, cols);
  const Index left = row1 - i;
  if (left == 0) return;
  if (left <= R / 4) return dot_tile<R / 4, G, kAccumulate>(p, i, left, j0, cols);
  if (left <= R / 2) return dot_tile<R / 2, G, kAccumulate>(p, i, left, j0, cols);
  dot_tile<R, G, kAccumulate>(p, i, left, j0, cols);
}

// Windows of 4 rows, 3 to a tile of 12 (the last tile of 4 or 8), 32 columns at a time: 24 sums
// in registers, as dot_columns.
template <int G>
void dot_windows(const DotProduct& p, Index row0, Index row1, Index j0, Index cols) {
  Index i = row0;
  for (; i + 12 <= row1; i += 12) dot_tile<12, G, false, true>(p, i, 12, j0, cols);
  const Index left = row1 - i;
  if (left == 0) return;
  if (left == 4) return dot_tile<4, G, false, true>(p, i, left, j0, cols);
  dot_tile<8, G, false, true>(p, i, left, j0, cols);
}

void dot_pooled(const DotProduct& p, Index row0, Index row1, Index col0, Index col1) {
  for (Index j0 = col0; j0 < col1; j0 += 32) {
    const Index cols = std::min<Index>(32, col1 - j0);
    if (cols > 16) {
      dot_windows<2>(p, row0, row1, j0, cols);
    } else {
      dot_windows<1>(p, row0, row1, j0, cols);
    }
  }
}

template <bool kAccumulate>
void dot_columns(const DotProduct& p, Index row0, Index row1, Index col0, Index col1) {
  // 24 sums in registers whatever the width: enough independent VDPBF16PS in flight, and room
  // for B's vectors and the broadcast.
  for (Index j0 = col0; j0 < col1; j0 += 64) {
    const Index cols = std::min<Index>(64, col1 - j0);
    switch ((cols + 15) / 16) {
      case 4:
        dot_rows<6, 4, kAccumulate>(p, row0, row1, j0, cols);
        break;
      case 3:
        dot_rows<8, 3, kAccumulate>(p, row0, row1, j0, cols);
        break;
      case 2:
        dot_rows<12, 2, kAccumulate>(p, row0, row1, j0, cols);
        break;
      default:
        dot_rows<12, 1, kAccumulate>(p, row0, row1, j0, cols);
    }
  }
}

// The loads and prefetches of C are compiled in only where C is accumulated; pooling never
// accumulates.
void dot_avx512_bf16(const DotProduct& p, Index row0, Index row1, Index col0, Index col1) {
  if (p.pooled) return dot_pooled(p, row0, row1, col0, col1);
  if (p.accumulate) return dot_columns<true>(p, row0, row1, col0, col1);
  dot_columns<false>(p, row0, row1, col0, col1);
}

}  // namespace
MINIDL_TARGET_END
#endif

void dot(const DotProduct& p, Index row0, Index row1, Index col0, Index col1) {
#if defined(MINIDL_X86_KERNELS)
  if (bf16_kernel() == Bf16Kernel::avx512_bf16) return dot_avx512_bf16(p, row0, row1, col0, col1);
#endif
  dot_portable(p, row0, row1, col0, col1);
}

}  // namespace minidl::detail
