#include <minidl/core/gemm.hpp>

#include <cblas.h>

namespace minidl {

void gemm(Transpose trans_a, Transpose trans_b, Index m, Index n, Index k, float alpha,
          const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc) {
  auto op = [](Transpose t) { return t == Transpose::Yes ? CblasTrans : CblasNoTrans; };
  cblas_sgemm(CblasRowMajor, op(trans_a), op(trans_b), static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda),
              b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

const char* blas_core_name() {
  return openblas_get_corename();
}

}  // namespace minidl
