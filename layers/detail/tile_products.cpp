#include <minidl/layers/detail/tile_products.hpp>

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
#else  // has_tile_products() is false: never called

void tile_products(Index, Index, Index, const float*, const float*, float*) {}
void add_tile_gradients(Index, Index, Index, const float*, const float*, float*) {}

#endif  // MINIDL_X86_KERNELS

}  // namespace minidl::detail
