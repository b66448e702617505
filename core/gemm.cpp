// Compiled without EIGEN_USE_BLAS (see CMakeLists.txt): here Eigen's products must be its own.
#include <minidl/core/gemm.hpp>

#include <cstring>

#include <cblas.h>
#include <Eigen/Core>

namespace minidl {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
using ConstView = Eigen::Map<const RowMatrix, Eigen::Unaligned, Stride>;
using View = Eigen::Map<RowMatrix, Eigen::Unaligned, Stride>;

#ifdef EIGEN_VECTORIZE_AVX512
bool openblas_has_avx512() {
  const char* core = openblas_get_corename();
  for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids"}) {
    if (std::strcmp(core, name) == 0) return true;
  }
  return false;
}
#endif

bool use_eigen_kernel() {
#ifdef EIGEN_VECTORIZE_AVX512
  static const bool eigen = !openblas_has_avx512();
  return eigen;
#else
  return false;
#endif
}

void eigen_gemm(Transpose trans_a, Transpose trans_b, Index m, Index n, Index k, float alpha,
                const float* a, Index lda, const float* b, Index ldb, float beta, float* c,
                Index ldc) {
  // A stored transposed is the (k,m) matrix whose transpose is op(A); likewise B.
  const bool ta = trans_a == Transpose::Yes, tb = trans_b == Transpose::Yes;
  const ConstView A(a, ta ? k : m, ta ? m : k, Stride(lda));
  const ConstView B(b, tb ? n : k, tb ? k : n, Stride(ldb));
  View C(c, m, n, Stride(ldc));
  if (beta == 0.0f) {
    C.setZero();  // beta = 0 means C is not read, as in BLAS (it may hold garbage or NaN)
  } else if (beta != 1.0f) {
    C *= beta;
  }
  if (ta && tb) {
    C.noalias() += alpha * (A.transpose() * B.transpose());
  } else if (ta) {
    C.noalias() += alpha * (A.transpose() * B);
  } else if (tb) {
    C.noalias() += alpha * (A * B.transpose());
  } else {
    C.noalias() += alpha * (A * B);
  }
}

}  // namespace

void gemm(Transpose trans_a, Transpose trans_b, Index m, Index n, Index k, float alpha,
          const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc) {
  // Small products stay with OpenBLAS, which runs them on the calling thread; Eigen would start
  // an OpenMP team from about 50k multiply-adds on, which costs more than such a product.
  constexpr double kEigenMinWork = 1 << 20;
  if (use_eigen_kernel() && double(m) * double(n) * double(k) >= kEigenMinWork) {
    eigen_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  auto op = [](Transpose t) { return t == Transpose::Yes ? CblasTrans : CblasNoTrans; };
  cblas_sgemm(CblasRowMajor, op(trans_a), op(trans_b), static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda),
              b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

const char* blas_core_name() {
  return openblas_get_corename();
}

const char* gemm_kernel_name() {
  return use_eigen_kernel() ? "eigen" : "openblas";
}

}  // namespace minidl
