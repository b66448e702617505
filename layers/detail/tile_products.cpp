#include <minidl/layers/detail/tile_products.hpp>

#include <cstdint>
#include <cstring>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/isa_target.hpp>

namespace minidl::detail {

bool has_tile_products(Index cin, Index cout) {
  return kernel_isa() == Isa::avx512 && (cin == 32 || cin == 64) && (cout == 32 || cout == 64);
}

#ifdef MINIDL_X86_KERNELS
MINIDL_TARGET_AVX512
namespace {

constexpr int kLanes = 16;  // floats per AVX-512 vector

// P tiles x COUT/16 output vectors of accumulators: 16 registers, the rest for operands.
template <int COUT>
constexpr int tiles_per_step() {
  return 16 / (COUT / kLanes);
}

// m (P tiles, COUT) = v (P tiles, CIN) . u (CIN, COUT).
template <int CIN, int COUT, int P>
void product_step(const float* v, const float* u, float* m) {
  constexpr int V = COUT / kLanes;
  __m512 acc[P][V];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) acc[p][k] = _mm512_setzero_ps();
  }
#pragma GCC unroll 64
  for (int t = 0; t < CIN; ++t) {
    __m512 w[V];
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) w[k] = _mm512_loadu_ps(u + t * COUT + k * kLanes);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const __m512 x = _mm512_set1_ps(v[p * CIN + t]);
#pragma GCC unroll 4
      for (int k = 0; k < V; ++k) acc[p][k] = _mm512_fmadd_ps(x, w[k], acc[p][k]);
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) _mm512_storeu_ps(m + p * COUT + k * kLanes, acc[p][k]);
  }
}

template <int CIN, int COUT>
void products(Index tiles, const float* v, const float* u, float* m) {
  constexpr int P = tiles_per_step<COUT>();
  Index t = 0;
  for (; t + P <= tiles; t += P) product_step<CIN, COUT, P>(v + t * CIN, u, m + t * COUT);
  for (; t < tiles; ++t) product_step<CIN, COUT, 1>(v + t * CIN, u, m + t * COUT);
}

// du (G rows from g0, COUT) += the sum over tiles of v (tile, g0..g0+G) x dm (tile, COUT).
template <int CIN, int COUT>
void gradient_rows(Index tiles, const float* v, const float* dm, int g0, float* du) {
  constexpr int V = COUT / kLanes, G = 16 / V;
  __m512 acc[G][V];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) acc[g][k] = _mm512_setzero_ps();
  }
  for (Index t = 0; t < tiles; ++t) {
    const float* vt = v + t * CIN + g0;
    __m512 d[V];
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) d[k] = _mm512_loadu_ps(dm + t * COUT + k * kLanes);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512 x = _mm512_set1_ps(vt[g]);
#pragma GCC unroll 4
      for (int k = 0; k < V; ++k) acc[g][k] = _mm512_fmadd_ps(x, d[k], acc[g][k]);
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) {
      float* dst = du + (g0 + g) * COUT + k * kLanes;
      _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), acc[g][k]));
    }
  }
}

template <int CIN, int COUT>
void gradients(Index tiles, const float* v, const float* dm, float* du) {
  constexpr int G = 16 / (COUT / kLanes);
  for (int g0 = 0; g0 < CIN; g0 += G) gradient_rows<CIN, COUT>(tiles, v, dm, g0, du);
}

}  // namespace

// Called only when has_tile_products() holds.
void tile_products(Index cin, Index cout, Index tiles, const float* v, const float* u, float* m) {
  if (cin == 32) {
    return cout == 32 ? products<32, 32>(tiles, v, u, m) : products<32, 64>(tiles, v, u, m);
  }
  return cout == 32 ? products<64, 32>(tiles, v, u, m) : products<64, 64>(tiles, v, u, m);
}

void add_tile_gradients(Index cin, Index cout, Index tiles, const float* v, const float* dm,
                        float* du) {
  if (cin == 32) {
    return cout == 32 ? gradients<32, 32>(tiles, v, dm, du) : gradients<32, 64>(tiles, v, dm, du);
  }
  return cout == 32 ? gradients<64, 32>(tiles, v, dm, du) : gradients<64, 64>(tiles, v, dm, du);
}

MINIDL_TARGET_END

MINIDL_TARGET_AVX512_BF16
namespace {

// One pair of bfloat16 at `at` in all 16 lanes.
__m512bh broadcast_pair(const bfloat16* at) {
  std::int32_t pair;
  std::memcpy(&pair, at, sizeof pair);
  return (__m512bh)_mm512_set1_epi32(pair);
}

// As product_step, a pair of input channels per instruction: 16 pairs in a vector of u.
template <int CIN, int COUT, int P>
void product_step_bf16(const bfloat16* v, const bfloat16* u, float* m) {
  constexpr int V = COUT / kLanes;
  __m512 acc[P][V];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) acc[p][k] = _mm512_setzero_ps();
  }
#pragma GCC unroll 32
  for (int q = 0; q < CIN / 2; ++q) {
    __m512bh w[V];
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k)
      w[k] = (__m512bh)_mm512_loadu_si512(u + (q * COUT + k * kLanes) * 2);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const __m512bh x = broadcast_pair(v + p * CIN + 2 * q);
#pragma GCC unroll 4
      for (int k = 0; k < V; ++k) acc[p][k] = _mm512_dpbf16_ps(acc[p][k], x, w[k]);
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) _mm512_storeu_ps(m + p * COUT + k * kLanes, acc[p][k]);
  }
}

template <int CIN, int COUT>
void products_bf16(Index tiles, const bfloat16* v, const bfloat16* u, float* m) {
  constexpr int P = tiles_per_step<COUT>();
  Index t = 0;
  for (; t + P <= tiles; t += P) product_step_bf16<CIN, COUT, P>(v + t * CIN, u, m + t * COUT);
  for (; t < tiles; ++t) product_step_bf16<CIN, COUT, 1>(v + t * CIN, u, m + t * COUT);
}

// As gradient_rows, a pair of tiles per instruction.
template <int CIN, int COUT>
void gradient_rows_bf16(Index tile_pairs, const bfloat16* v, const bfloat16* dm, int g0,
                        float* du) {
  constexpr int V = COUT / kLanes, G = 16 / V;
  __m512 acc[G][V];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) acc[g][k] = _mm512_setzero_ps();
  }
  for (Index t = 0; t < tile_pairs; ++t) {
    const bfloat16* vt = v + (t * CIN + g0) * 2;
    __m512bh d[V];
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) {
      d[k] = (__m512bh)_mm512_loadu_si512(dm + (t * COUT + k * kLanes) * 2);
    }
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512bh x = broadcast_pair(vt + 2 * g);
#pragma GCC unroll 4
      for (int k = 0; k < V; ++k) acc[g][k] = _mm512_dpbf16_ps(acc[g][k], x, d[k]);
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 4
    for (int k = 0; k < V; ++k) {
      float* dst = du + (g0 + g) * COUT + k * kLanes;
      _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), acc[g][k]));
    }
  }
}

template <int CIN, int COUT>
void gradients_bf16(Index tile_pairs, const bfloat16* v, const bfloat16* dm, float* du) {
  constexpr int G = 16 / (COUT / kLanes);
  for (int g0 = 0; g0 < CIN; g0 += G) gradient_rows_bf16<CIN, COUT>(tile_pairs, v, dm, g0, du);
}

}  // namespace

// Called only when has_tile_products() holds and bf16_kernel() is avx512_bf16.
void tile_products_bf16(Index cin, Index cout, Index tiles, const bfloat16* v, const bfloat16* u,
                        float* m) {
  if (cin == 32) {
    return cout == 32 ? products_bf16<32, 32>(tiles, v, u, m)
                      : products_bf16<32, 64>(tiles, v, u, m);
  }
  return cout == 32 ? products_bf16<64, 32>(tiles, v, u, m) : products_bf16<64, 64>(tiles, v, u, m);
}

void add_tile_gradients_bf16(Index cin, Index cout, Index tile_pairs, const bfloat16* v,
                             const bfloat16* dm, float* du) {
  if (cin == 32) {
    return cout == 32 ? gradients_bf16<32, 32>(tile_pairs, v, dm, du)
                      : gradients_bf16<32, 64>(tile_pairs, v, dm, du);
  }
  return cout == 32 ? gradients_bf16<64, 32>(tile_pairs, v, dm, du)
                    : gradients_bf16<64, 64>(tile_pairs, v, dm, du);
}

MINIDL_TARGET_END
#else  // has_tile_products() is false: never called

void tile_products(Index, Index, Index, const float*, const float*, float*) {}
void add_tile_gradients(Index, Index, Index, const float*, const float*, float*) {}
void tile_products_bf16(Index, Index, Index, const bfloat16*, const bfloat16*, float*) {}
void add_tile_gradients_bf16(Index, Index, Index, const bfloat16*, const bfloat16*, float*) {}

#endif  // MINIDL_X86_KERNELS

}  // namespace minidl::detail
