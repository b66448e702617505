// The one entry point to SGEMM (OpenBLAS through cblas), row-major:
//   C(m,n) = alpha * op(A)(m,k) * op(B)(k,n) + beta * C
// op(X) is X or its transpose; lda/ldb/ldc are the row strides of A, B, C as stored.
#pragma once

#include <minidl/core/shape.hpp>

namespace minidl {

enum class Transpose { No, Yes };

void gemm(Transpose trans_a, Transpose trans_b, Index m, Index n, Index k, float alpha,
          const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc);

// The core type OpenBLAS selected at run time (e.g. "Haswell", "SkylakeX"), for benchmarks.
const char* blas_core_name();

}  // namespace minidl
