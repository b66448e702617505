#include <cblas.h>
#include <omp.h>

#include <catch2/catch.hpp>

#include <minidl/core/gemm.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/core/threads.hpp>

#include "gradient_check.hpp"

using namespace minidl;

namespace {

// Reference product of row-major op(A) (m,k) and op(B) (k,n).
float reference(bool ta, bool tb, const Tensor& a, const Tensor& b, Index m, Index n, Index k,
                Index i, Index j) {
  double s = 0;
  for (Index p = 0; p < k; ++p) {
    const float av = ta ? a[p * m + i] : a[i * k + p];
    const float bv = tb ? b[j * k + p] : b[p * n + j];
    s += static_cast<double>(av) * bv;
  }
  return static_cast<float>(s);
}

}  // namespace

TEST_CASE("gemm matches a reference product for every transpose combination") {
  const Index m = 7, n = 5, k = 9;
  const Tensor a = testing::random_tensor(Shape{m * k}, 1);
  const Tensor b = testing::random_tensor(Shape{k * n}, 2);
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Tensor c(Shape{m, n}, 1.0f);
      gemm(ta ? Transpose::Yes : Transpose::No, tb ? Transpose::Yes : Transpose::No, m, n, k, 2.0f,
           a.data(), ta ? m : k, b.data(), tb ? k : n, 0.5f, c.data(), n);
      for (Index i = 0; i < m; ++i) {
        for (Index j = 0; j < n; ++j) {
          CHECK(c[i * n + j] ==
                Approx(2.0f * reference(ta, tb, a, b, m, n, k, i, j) + 0.5f).margin(1e-5));
        }
      }
    }
  }
}

TEST_CASE("the thread setting is one value, with the affinity count as default") {
  CHECK(default_num_threads() >= 1);
  set_num_threads(1);  // the first call in this process: the setting must survive initialisation
  CHECK(num_threads() == 1);
  CHECK(omp_get_max_threads() == 1);
  CHECK(openblas_get_num_threads() == 1);
  set_num_threads(0);
  CHECK(num_threads() == default_num_threads());
  CHECK(std::string(blas_core_name()).size() > 0);
}
