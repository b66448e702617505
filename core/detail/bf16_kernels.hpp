// Internal: the kernels behind gemm_bf16 (core/gemm_bf16.hpp), on operands packed by it.
#pragma once

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/shape.hpp>

namespace minidl::detail {

// op(A) and op(B) rounded to bfloat16 and laid out for the kernels, zero-padded:
//   a  rows_padded() rows of `depth` values each: row i holds op(A)'s row i, then zeros.
//   b  depth/2 rows of `width` pairs each: pair j of row q is (op(B)[2q][j], op(B)[2q+1][j]), the
//      layout AMX and VDPBF16PS read (two consecutive k of one column side by side).
struct PackedProduct {
  static constexpr Index kRowAlign = 16, kDepthAlign = 32, kWidthAlign = 16;
  Index m, n, depth, width;
  const bfloat16* a;
  const bfloat16* b;
  Index rows_padded() const { return (m + kRowAlign - 1) / kRowAlign * kRowAlign; }
};

// C's rows [row0, row0 + rows) and columns [col0, col0 + cols) = (or +=, when `accumulate`) the
// product; row0 and col0 are multiples of 16, and every kernel takes blocks up to 32 x 32.
struct ProductBlock {
  Index row0, rows, col0, cols;
};
void product_portable(const PackedProduct& p, ProductBlock block, float* c, Index ldc,
                      bool accumulate);
void product_avx512_bf16(const PackedProduct& p, ProductBlock block, float* c, Index ldc,
                         bool accumulate);
// Call amx_begin() on a thread before its first product_amx and amx_end() after its last.
void amx_begin();
void product_amx(const PackedProduct& p, ProductBlock block, float* c, Index ldc, bool accumulate);
void amx_end();

// Whether the CPU has the instructions (cpuid), and for AMX whether Linux lets this process use
// its tile registers (it must ask first; the answer holds for all its threads).
bool cpu_has_avx512_bf16();
bool cpu_allows_amx();

}  // namespace minidl::detail
