// This machine's floating-point peak, measured: every thread runs independent chains of fused
// multiply-adds on registers (no memory traffic) with the widest vectors the CPU has (AVX-512,
// AVX2+FMA, or plain floats), chosen at run time. A training rate divided by it is a fraction of
// the peak that stays comparable across noisy runs and machines.
#pragma once

#include <string>

struct FmaPeak {
  double gflops;     // all threads together, single precision
  std::string kind;  // "avx512", "avx2" or "portable"
};

// The best of a few short runs (~0.2 s each) with `threads` threads.
FmaPeak measure_fma_peak(int threads);

// The same for VDPBF16PS (AVX512_BF16: 16 lanes, each adding two bfloat16 products into a float32,
// 4 flops), the instruction mixed precision names for CPUs without AMX; 0 where the CPU lacks it.
double measure_bf16_dot_peak(int threads);
