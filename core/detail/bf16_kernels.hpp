// Internal: the AMX kernels behind gemm_bf16 (core/gemm_bf16.hpp) and the packing of its
// operands; the other kernels are in core/detail/bf16_dot.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <new>
#include <vector>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/shape.hpp>

namespace minidl::detail {

// Operands start on a cache line: a tile row or vector that straddles two lines loads slower.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlignment); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const CacheLineAllocator<U>&) const {
    return false;
  }
};
template <class T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

// op(A) and op(B) rounded to bfloat16 and laid out for the kernels, zero-padded:
//   a  rows_padded() rows of `depth` values each: row i holds op(A)'s row i, then zeros.
//   b  depth/2 rows of `width` pairs each: pair j of row q is (op(B)[2q][j], op(B)[2q+1][j]), the
//      layout AMX and VDPBF16PS read (two consecutive k of one column side by side).
struct PackedProduct {
  static constexpr Index kRowAlign = 16, kDepthAlign = 32, kWidthAlign = 16;
  Index m, n, depth, width;
  const bfloat16* a;
  const bfloat16* b;
  Index rows_padded() const { return round_up(m, kRowAlign); }

  static constexpr Index round_up(Index x, Index to) { return (x + to - 1) / to * to; }
  // The sizes of an (m x k) by (k x n) product, operands not yet attached.
  static PackedProduct sized(Index m, Index n, Index k) {
    return {m,       n,      round_up(std::max<Index>(k, 1), kDepthAlign), round_up(n, kWidthAlign),
            nullptr, nullptr};
  }
};

// C's rows [row0, row0 + rows) and columns [col0, col0 + cols) = (or +=, when `accumulate`) the
// product, on AMX tiles; row0 and col0 are multiples of 16, blocks up to 32 x 32.
struct ProductBlock {
  Index row0, rows, col0, cols;
};
// Call amx_begin() on a thread before its first product_amx and amx_end() after its last.
void amx_begin();
void product_amx(const PackedProduct& p, ProductBlock block, float* c, Index ldc, bool accumulate);
void amx_end();

// A convolution's product on AMX tiles, read in place ("implicit GEMM"): the left operand is not
// packed but read where it lies, so that a convolution reads its taps from the padded image
// itself, with no im2col. Row 16i + r's K-step s (32 values) starts at a + strips[i] + r * a_stride
// + steps[s]; b is packed as in PackedProduct (depth 32 * step_count). c holds `rows` x `width`
// float32 (both multiples of 16; ldc = width).
struct ImplicitProduct {
  Index rows, width;
  const bfloat16* a;
  const Index* strips;
  Index a_stride;
  const Index* steps;
  Index step_count;
  const bfloat16* b;
};
void product_amx_implicit(const ImplicitProduct& p, float* c, bool accumulate);

// Packing from float32 (core/gemm_bf16.cpp): rows [row0, row1) of the packed A from op(A)
// (p.m x k, row stride lda); pair rows [q0, q1) of the packed B from B (k x p.n); or columns
// [j0, j0 + 16) of it, all pair rows, from B^T (B is p.n x k).
void pack_a(bool transposed, const float* a, Index lda, const PackedProduct& p, Index k, Index row0,
            Index row1, bfloat16* out);
void pack_b(const float* b, Index ldb, const PackedProduct& p, Index k, Index q0, Index q1,
            bfloat16* out);
void pack_b_transposed(const float* b, Index ldb, const PackedProduct& p, Index k, Index j0,
                       bfloat16* out);
// One packed pair row from rows `even` and `odd` of n values (null: zeros), side by side.
void pack_pair_row(const float* even, const float* odd, Index n, bfloat16* out);
// The same with both rows there, on AVX-512 (kernel_isa() avx512 only); the same bits.
void pack_pair_row_avx512(const float* even, const float* odd, Index n, bfloat16* out);
// pack_b_transposed, and pack_a's transposed rows [i0, i0 + 16), on AVX-512 with 16 x 16
// transposes of pairs (kernel_isa() avx512 only); the same bits.
void pack_b_transposed_avx512(const float* b, Index ldb, const PackedProduct& p, Index k, Index j0,
                              bfloat16* out);
void pack_a_transposed_avx512(const float* a, Index lda, const PackedProduct& p, Index k, Index i0,
                              bfloat16* out);

// Whether the CPU has the instructions (cpuid), and for AMX whether Linux lets this process use
// its tile registers (it must ask first; the answer holds for all its threads).
bool cpu_has_avx512_bf16();
bool cpu_allows_amx();

}  // namespace minidl::detail
