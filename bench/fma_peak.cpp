#include "fma_peak.hpp"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace {

// Independent accumulator chains: enough to cover the FMA latency times the number of FMA pipes
// (4 cycles x 2 on Zen 4 and most Intel cores), few enough to stay in registers.
constexpr int kChains512 = 16, kChains256 = 12, kChainsScalar = 8;
constexpr long kIterations = 1 << 22;

// acc = acc * a + b converges to b / (1 - a) and stays finite for any number of iterations.
__attribute__((target("avx512f"))) float chains_avx512(long iterations) {
  __m512 acc[kChains512];
  for (int k = 0; k < kChains512; ++k) acc[k] = _mm512_set1_ps(0.001f * float(k));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (long i = 0; i < iterations; ++i) {
    for (int k = 0; k < kChains512; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  }
  __m512 sum = acc[0];
  for (int k = 1; k < kChains512; ++k) sum = _mm512_add_ps(sum, acc[k]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) float chains_avx2(long iterations) {
  __m256 acc[kChains256];
  for (int k = 0; k < kChains256; ++k) acc[k] = _mm256_set1_ps(0.001f * float(k));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  for (long i = 0; i < iterations; ++i) {
    for (int k = 0; k < kChains256; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  }
  float lanes[8], total = 0.0f;
  for (int k = 0; k < kChains256; ++k) {
    _mm256_storeu_ps(lanes, acc[k]);
    for (float v : lanes) total += v;
  }
  return total;
}

float chains_scalar(long iterations) {
  float acc[kChainsScalar];
  for (int k = 0; k < kChainsScalar; ++k) acc[k] = 0.001f * float(k);
  for (long i = 0; i < iterations; ++i) {
    for (float& v : acc) v = v * 0.999f + 0.001f;
  }
  float total = 0.0f;
  for (float v : acc) total += v;
  return total;
}

__attribute__((target("avx512f,avx512bf16"))) float chains_bf16_dot(long iterations) {
  __m512 acc[kChains512];
  for (int k = 0; k < kChains512; ++k) acc[k] = _mm512_set1_ps(0.001f * float(k));
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80);  // bfloat16 1.0
  const __m512bh b = (__m512bh)_mm512_set1_epi16(0x0001);  // the smallest subnormal
  for (long i = 0; i < iterations; ++i) {
    for (int k = 0; k < kChains512; ++k) acc[k] = _mm512_dpbf16_ps(acc[k], a, b);
  }
  __m512 sum = acc[0];
  for (int k = 1; k < kChains512; ++k) sum = _mm512_add_ps(sum, acc[k]);
  return _mm512_reduce_add_ps(sum);
}

// The best of 3 runs of `chains` with `threads` threads, in GFLOP/s.
template <class Chains>
double best_rate(int threads, double flops_per_thread, Chains chains) {
  double best = 0.0;
  volatile float sink = 0.0f;  // keeps the chains from being optimised away
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const float r = chains();
#pragma omp critical
      sink = sink + r;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, flops_per_thread * threads / seconds / 1e9);
  }
  return best;
}

}  // namespace

double measure_bf16_dot_peak(int threads) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512bf16")) return 0.0;
  return best_rate(threads, 4.0 * 16 * kChains512 * double(kIterations),
                   [] { return chains_bf16_dot(kIterations); });
}

FmaPeak measure_fma_peak(int threads) {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const int lanes = avx512 ? 16 : avx2 ? 8 : 1;
  const int chains = avx512 ? kChains512 : avx2 ? kChains256 : kChainsScalar;
  const double flops_per_thread = 2.0 * lanes * chains * double(kIterations);
  const double best = best_rate(threads, flops_per_thread, [&] {
    return avx512 ? chains_avx512(kIterations)
           : avx2 ? chains_avx2(kIterations)
                  : chains_scalar(kIterations);
  });
  return {best, avx512 ? "avx512" : avx2 ? "avx2" : "portable"};
}
