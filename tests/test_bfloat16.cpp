#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <catch2/catch.hpp>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/detail/bf16_kernels.hpp>
#include <minidl/core/dtype_policy.hpp>
#include <minidl/core/error.hpp>
#include <minidl/core/gemm_bf16.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/core/threads.hpp>

#include "gradient_check.hpp"
#include "isa_tiers.hpp"

using namespace minidl;

namespace {

float from_bits(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

std::uint16_t rounded(float x) {
  return to_bfloat16(x).bits;
}

float round_trip(float x) {
  return to_float(to_bfloat16(x));
}

}  // namespace

TEST_CASE("float32 to bfloat16 rounds to nearest, ties to even") {
  CHECK(rounded(1.0f) == 0x3f80);
  CHECK(rounded(-2.5f) == 0xc020);
  // 1 + 2^-8 lies halfway between 1 (0x3f80, even) and 1 + 2^-7 (0x3f81): down to the even one.
  CHECK(rounded(1.0f + 0x1p-8f) == 0x3f80);
  // 1 + 3 * 2^-8 lies halfway between 0x3f81 and 0x3f82 (even): up.
  CHECK(rounded(1.0f + 3 * 0x1p-8f) == 0x3f82);
  // Just above halfway rounds up, just below rounds down.
  CHECK(rounded(1.0f + 0x1p-8f + 0x1p-20f) == 0x3f81);
  CHECK(rounded(1.0f + 0x1p-8f - 0x1p-20f) == 0x3f80);
  CHECK(rounded(-(1.0f + 0x1p-8f + 0x1p-20f)) == 0xbf81);
  // The largest float32 is past bfloat16's largest finite number plus half a step: infinity.
  CHECK(rounded(std::numeric_limits<float>::max()) == 0x7f80);
  CHECK(rounded(from_bits(0x7f7f7fffu)) == 0x7f7f);  // just below that halfway point
  CHECK(rounded(std::numeric_limits<float>::infinity()) == 0x7f80);
  CHECK(rounded(-std::numeric_limits<float>::infinity()) == 0xff80);
  // A NaN whose payload sits in the low bits stays a NaN (rounding would give infinity).
  CHECK(std::isnan(round_trip(from_bits(0x7f800001u))));
  CHECK(std::isnan(round_trip(from_bits(0xff800001u))));
  CHECK(std::isnan(round_trip(std::numeric_limits<float>::quiet_NaN())));
  // Subnormals round like any other value: halfway to even, above halfway up.
  CHECK(rounded(from_bits(0x00008000u)) == 0x0000);
  CHECK(rounded(from_bits(0x00018000u)) == 0x0002);
  CHECK(rounded(from_bits(0x00008001u)) == 0x0001);
  CHECK(rounded(-0.0f) == 0x8000);
}

TEST_CASE("packed pairs of a row round as to_bfloat16 does, on every tier") {
  // The cases above, then ordinary values; 37 of each: two and a part of the 16 lanes.
  std::vector<float> even = {1.0f + 0x1p-8f,
                             1.0f + 3 * 0x1p-8f,
                             -(1.0f + 0x1p-8f + 0x1p-20f),
                             std::numeric_limits<float>::max(),
                             from_bits(0x7f7f7fffu),
                             -std::numeric_limits<float>::infinity(),
                             from_bits(0x7f800001u),
                             from_bits(0xff800001u),
                             from_bits(0x00008000u),
                             from_bits(0x00018000u),
                             from_bits(0x00008001u),
                             -0.0f};
  std::vector<float> odd(even.rbegin(), even.rend());
  for (int i = 0; even.size() < 37; ++i) {
    even.push_back(std::ldexp(1.0f + i / 37.0f, i % 19 - 9));
    odd.push_back(-std::ldexp(1.0f + i / 41.0f, 9 - i % 23));
  }
  const Index n = Index(even.size());
  testing::for_each_isa([&](Isa isa) {
    INFO("tier " << isa_name(isa));
    std::vector<bfloat16> pairs(2 * n);
    detail::pack_pair_row(even.data(), odd.data(), n, pairs.data());
    for (Index j = 0; j < n; ++j) {
      INFO("j " << j);
      CHECK(pairs[2 * j].bits == rounded(even[j]));
      CHECK(pairs[2 * j + 1].bits == rounded(odd[j]));
    }
  });
}

TEST_CASE("bfloat16 to float32 is exact") {
  CHECK(to_float(bfloat16{0x4049}) == 3.140625f);
  CHECK(to_float(bfloat16{0xc020}) == -2.5f);
  CHECK(to_float(bfloat16{0x0001}) == from_bits(0x00010000u));
  for (std::uint32_t bits = 0; bits < 0x10000u; bits += 97) {
    const bfloat16 x{static_cast<std::uint16_t>(bits)};
    if (std::isnan(to_float(x))) continue;
    CHECK(to_bfloat16(to_float(x)).bits == x.bits);
  }
}

namespace {

// op(A) (m,k) . op(B) (k,n) in double, of the operands rounded to bfloat16 (`round`) or not,
// with sum |a||b| per element for the error bounds.
struct Reference {
  std::vector<double> value, magnitude;
};

Reference reference_product(bool ta, bool tb, const Tensor& a, const Tensor& b, Index m, Index n,
                            Index k, bool round) {
  Reference r{std::vector<double>(m * n), std::vector<double>(m * n)};
  for (Index i = 0; i < m; ++i) {
    for (Index j = 0; j < n; ++j) {
      for (Index p = 0; p < k; ++p) {
        float av = ta ? a[p * m + i] : a[i * k + p];
        float bv = tb ? b[j * k + p] : b[p * n + j];
        if (round) {
          av = round_trip(av);
          bv = round_trip(bv);
        }
        r.value[i * n + j] += double(av) * bv;
        r.magnitude[i * n + j] += std::abs(double(av) * bv);
      }
    }
  }
  return r;
}

}  // namespace

TEST_CASE("gemm_bf16 multiplies bfloat16-rounded operands and adds in float32, every kernel") {
  struct Case {
    Index m, n, k;
  };
  // Tails in every dimension around the kernels' 16 x 16 x 32 tiles and 32 x 32 blocks.
  const Case cases[] = {{1, 1, 1},    {3, 5, 7},    {16, 16, 32}, {17, 33, 31},
                        {40, 20, 65}, {64, 48, 96}, {33, 70, 3},  {5, 130, 200}};
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    testing::for_each_bf16_kernel([&](Bf16Kernel kernel) {
      INFO("kernel " << bf16_kernel_name(kernel) << ", threads " << threads);
      for (const Case& s : cases) {
        for (bool ta : {false, true}) {
          for (bool tb : {false, true}) {
            INFO("m " << s.m << " n " << s.n << " k " << s.k << " ta " << ta << " tb " << tb);
            const Tensor a = testing::random_tensor(Shape{s.m * s.k}, 11 + s.k);
            const Tensor b = testing::random_tensor(Shape{s.k * s.n}, 12 + s.n);
            const Index ldc = s.n + 3;  // C's rows wider than the product: columns past n stay
            for (float beta : {0.0f, 1.0f}) {
              Tensor c(Shape{s.m, ldc}, 0.25f);
              gemm_bf16(ta ? Transpose::Yes : Transpose::No, tb ? Transpose::Yes : Transpose::No,
                        s.m, s.n, s.k, a.data(), ta ? s.m : s.k, b.data(), tb ? s.k : s.n, beta,
                        c.data(), ldc);
              const Reference exact = reference_product(ta, tb, a, b, s.m, s.n, s.k, true);
              const Reference fp32 = reference_product(ta, tb, a, b, s.m, s.n, s.k, false);
              for (Index i = 0; i < s.m; ++i) {
                for (Index j = 0; j < ldc; ++j) {
                  const float got = c[i * ldc + j];
                  if (j >= s.n) {
                    REQUIRE(got == 0.25f);
                    continue;
                  }
                  const double add = beta * 0.25;
                  const double mag = exact.magnitude[i * s.n + j] + add;
                  // float32 sums of exact products: k roundings of at most 2^-24 each.
                  REQUIRE(std::abs(got - (exact.value[i * s.n + j] + add)) <=
                          (s.k + 1) * 0x1p-24 * mag + 1e-30);
                  // Against the unrounded product: two roundings of at most 2^-8 (relative) per
                  // product.
                  REQUIRE(std::abs(got - (fp32.value[i * s.n + j] + add)) <=
                          0x1p-7 * 1.01 * mag + (s.k + 1) * 0x1p-24 * mag + 1e-30);
                }
              }
            }
          }
        }
      }
    });
  }
  set_num_threads(0);
}

TEST_CASE("gemm_bf16 gives the same bits at 1 and 2 threads, per kernel") {
  // Large enough for a team; the threads split A's rows when m > n, else B's columns.
  for (const std::array<Index, 3>& shape : {std::array<Index, 3>{150, 90, 300}, {90, 150, 300}}) {
    const Index m = shape[0], n = shape[1], k = shape[2];
    const Tensor a = testing::random_tensor(Shape{m * k}, 5);
    const Tensor b = testing::random_tensor(Shape{k * n}, 6);
    testing::for_each_bf16_kernel([&](Bf16Kernel kernel) {
      INFO("kernel " << bf16_kernel_name(kernel) << ", m " << m << ", n " << n);
      Tensor c1(Shape{m, n}), c2(Shape{m, n});
      set_num_threads(1);
      gemm_bf16(Transpose::No, Transpose::Yes, m, n, k, a.data(), k, b.data(), k, 0.0f, c1.data(),
                n);
      set_num_threads(2);
      gemm_bf16(Transpose::No, Transpose::Yes, m, n, k, a.data(), k, b.data(), k, 0.0f, c2.data(),
                n);
      CHECK(std::memcmp(c1.data(), c2.data(), sizeof(float) * m * n) == 0);
    });
  }
  set_num_threads(0);
}

TEST_CASE("the bfloat16 kernel lowers, never rises, and names its choices") {
  testing::Bf16KernelGuard restore;
  CHECK(bf16_kernel() == detected_bf16_kernel());
  set_bf16_kernel(Bf16Kernel::portable);
  CHECK(bf16_kernel() == Bf16Kernel::portable);
  if (detected_bf16_kernel() != Bf16Kernel::amx) {
    CHECK_THROWS_WITH(set_bf16_kernel(Bf16Kernel::amx),
                      Catch::Contains("at most") && Catch::Contains("asked for amx"));
  }
  for (Bf16Kernel kernel : {Bf16Kernel::portable, Bf16Kernel::avx512_bf16, Bf16Kernel::amx}) {
    CHECK(parse_bf16_kernel(bf16_kernel_name(kernel)) == kernel);
  }
  CHECK_THROWS_WITH(parse_bf16_kernel("bf16"), Catch::Contains("portable, avx512_bf16 or amx"));
  CHECK_THROWS_WITH(
      gemm_bf16(Transpose::No, Transpose::No, 1, 1, 1, nullptr, 1, nullptr, 1, 0.5f, nullptr, 1),
      Catch::Contains("beta must be 0 or 1"));
}

TEST_CASE("the dtype policy parses its two names and is float32 unless set") {
  CHECK(global_dtype_policy() == DtypePolicy::float32);
  CHECK(parse_dtype_policy("mixed_bfloat16") == DtypePolicy::mixed_bfloat16);
  CHECK(parse_dtype_policy("float32") == DtypePolicy::float32);
  CHECK_THROWS_WITH(parse_dtype_policy("mixed_float16"),
                    Catch::Contains("float32 or mixed_bfloat16"));
  set_dtype_policy("mixed_bfloat16");
  CHECK(global_dtype_policy() == DtypePolicy::mixed_bfloat16);
  set_dtype_policy(DtypePolicy::float32);
}
