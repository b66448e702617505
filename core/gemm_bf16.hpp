// The products of the mixed_bfloat16 policy, with gemm()'s arguments (core/gemm.hpp):
//   C(m,n) = op(A)(m,k) * op(B)(k,n) + beta * C
// where every element of A and B is first rounded to bfloat16 (core/bfloat16.hpp) and the
// products are added in float32. Products of two bfloat16 numbers are exact in float32, so the
// kernels differ only in the order they add in.
//
// Three kernels, chosen when they run like the convolution kernels (core/cpu_isa.hpp):
//   amx          AMX tiles (TDPBF16PS, 16x16 float32 results from 16x32 by 32x16 bfloat16), on
//                CPUs with AMX-BF16 whose operating system lets the process use them;
//   avx512_bf16  VDPBF16PS (pairs of bfloat16 products added into 16 float32 lanes);
//   portable     float32 multiply-adds of the rounded operands, on any CPU.
// The AVX-512 ones also need kernel_isa() to be avx512: set_kernel_isa(Isa::avx2) means portable.
#pragma once

#include <string>

#include <minidl/core/dtype_policy.hpp>
#include <minidl/core/gemm.hpp>

namespace minidl {

enum class Bf16Kernel { portable, avx512_bf16, amx };

// The best kernel this CPU (and its operating system) runs.
Bf16Kernel detected_bf16_kernel();
// The kernel gemm_bf16 uses now: the detected one, or lower when set so (set_bf16_kernel, or
// MINIDL_BF16_KERNEL in the environment), and portable below Isa::avx512.
Bf16Kernel bf16_kernel();
// Throws minidl::Error if this CPU lacks `kernel`.
void set_bf16_kernel(Bf16Kernel kernel);
// Back to MINIDL_BF16_KERNEL when it is set, else the detected kernel.
void reset_bf16_kernel();
const char* bf16_kernel_name(Bf16Kernel kernel);
Bf16Kernel parse_bf16_kernel(const std::string& name);

// beta is 0 (C is not read) or 1. Multi-threaded outside an OpenMP parallel region,
// single-threaded inside one.
void gemm_bf16(Transpose trans_a, Transpose trans_b, Index m, Index n, Index k, const float* a,
               Index lda, const float* b, Index ldb, float beta, float* c, Index ldc);

// gemm() (alpha 1) under float32, gemm_bf16() under mixed_bfloat16.
void gemm(DtypePolicy policy, Transpose trans_a, Transpose trans_b, Index m, Index n, Index k,
          const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc);

}  // namespace minidl
