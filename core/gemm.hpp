// The one entry point to SGEMM, row-major:
//   C(m,n) = alpha * op(A)(m,k) * op(B)(k,n) + beta * C
// op(X) is X or its transpose; lda/ldb/ldc are the row strides of A, B, C as stored.
//
// Two kernels sit behind it, chosen once per process (so results are reproducible within it):
// OpenBLAS's cblas_sgemm, or Eigen's own GEMM when the library was compiled for AVX-512 and
// OpenBLAS runs a kernel without AVX-512 (e.g. under OPENBLAS_CORETYPE=Haswell). Measured on the
// reference CNN's shapes, Eigen's AVX-512 kernel is then about 1.5x faster, and on par with
// OpenBLAS's own AVX-512 kernels otherwise (bench/README.md). Products under 2^20 multiply-adds
// always go to OpenBLAS. Both run multi-threaded outside an OpenMP parallel region and
// single-threaded inside one.
#pragma once

#include <minidl/core/shape.hpp>

namespace minidl {

enum class Transpose { No, Yes };

void gemm(Transpose trans_a, Transpose trans_b, Index m, Index n, Index k, float alpha,
          const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc);

// The core type OpenBLAS selected at run time (e.g. "Haswell", "SkylakeX"), for benchmarks.
const char* blas_core_name();
// "eigen" or "openblas": the kernel gemm() uses in this process.
const char* gemm_kernel_name();

}  // namespace minidl
