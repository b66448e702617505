#include <minidl/core/gemm_bf16.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <vector>

#include <omp.h>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/bf16_kernels.hpp>
#include <minidl/core/error.hpp>

namespace minidl {
namespace {

using detail::PackedProduct;
using detail::ProductBlock;

Bf16Kernel detect() {
  if (detected_isa() != Isa::avx512) return Bf16Kernel::portable;
  if (detail::cpu_allows_amx()) return Bf16Kernel::amx;
  if (detail::cpu_has_avx512_bf16()) return Bf16Kernel::avx512_bf16;
  return Bf16Kernel::portable;
}

Bf16Kernel from_environment() {
  const char* name = std::getenv("MINIDL_BF16_KERNEL");
  if (!name || !*name) return detected_bf16_kernel();
  const Bf16Kernel kernel = parse_bf16_kernel(name);
  if (kernel > detected_bf16_kernel()) {
    throw Error(std::string("MINIDL_BF16_KERNEL=") + name + ": this CPU runs at most " +
                bf16_kernel_name(detected_bf16_kernel()));
  }
  return kernel;
}

std::atomic<Bf16Kernel>& current() {
  static std::atomic<Bf16Kernel> kernel{from_environment()};
  return kernel;
}

void run_block(Bf16Kernel kernel, const PackedProduct& p, ProductBlock block, float* c, Index ldc,
               bool accumulate) {
  switch (kernel) {
    case Bf16Kernel::amx:
      return detail::product_amx(p, block, c, ldc, accumulate);
    case Bf16Kernel::avx512_bf16:
      return detail::product_avx512_bf16(p, block, c, ldc, accumulate);
    case Bf16Kernel::portable:
      break;
  }
  detail::product_portable(p, block, c, ldc, accumulate);
}

// C's blocks, one kernel call each.
constexpr Index kBlock = 32;

// The packing buffers of the thread that calls gemm_bf16, reused from call to call.
struct PackBuffers {
  detail::AlignedVector<bfloat16> a, b;
};

}  // namespace

namespace detail {

void pack_a(bool transposed, const float* a, Index lda, const PackedProduct& p, Index k, Index row0,
            Index row1, bfloat16* out) {
  for (Index i = row0; i < row1; ++i) {
    bfloat16* row = out + i * p.depth;
    const Index filled = i < p.m ? k : 0;  // the transposed rows are filled below
    if (i < p.m && !transposed) {
      for (Index d = 0; d < k; ++d) row[d] = to_bfloat16(a[i * lda + d]);
    }
    std::fill(row + filled, row + p.depth, bfloat16{});
  }
  if (!transposed) return;
  // op(A)'s row i is A's column i: read A's rows, 16 of op(A)'s rows at a time.
  constexpr Index kStrip = 16;
  for (Index i0 = row0; i0 < std::min(row1, p.m); i0 += kStrip) {
    const Index i1 = std::min({i0 + kStrip, row1, p.m});
    for (Index d = 0; d < k; ++d) {
      const float* from = a + d * lda;
      for (Index i = i0; i < i1; ++i) out[i * p.depth + d] = to_bfloat16(from[i]);
    }
  }
}

void pack_pair_row(const float* even, const float* odd, Index n, bfloat16* out) {
  if (even && odd && kernel_isa() == Isa::avx512) return pack_pair_row_avx512(even, odd, n, out);
  if (even && odd) {  // the common case, in one loop the compiler vectorizes
    for (Index j = 0; j < n; ++j) {
      out[2 * j] = to_bfloat16(even[j]);
      out[2 * j + 1] = to_bfloat16(odd[j]);
    }
    return;
  }
  for (Index j = 0; j < n; ++j) {
    out[2 * j] = even ? to_bfloat16(even[j]) : bfloat16{};
    out[2 * j + 1] = odd ? to_bfloat16(odd[j]) : bfloat16{};
  }
}

void pack_b(bool transposed, const float* b, Index ldb, const PackedProduct& p, Index k, Index q0,
            Index q1, bfloat16* out) {
  auto convert = [](const float* from, Index d, Index k) {
    return d < k ? to_bfloat16(from[d]) : bfloat16{};
  };
  for (Index q = q0; q < q1; ++q) {
    bfloat16* row = out + q * p.width * 2;
    std::fill(row + 2 * p.n, row + 2 * p.width, bfloat16{});
    if (transposed) continue;
    pack_pair_row(2 * q < k ? b + 2 * q * ldb : nullptr,
                  2 * q + 1 < k ? b + (2 * q + 1) * ldb : nullptr, p.n, row);
  }
  if (!transposed) return;
  // op(B)'s column j is B's row j: 16 of B's rows at a time, each read once for all q here.
  constexpr Index kStrip = 16;
  for (Index j0 = 0; j0 < p.n; j0 += kStrip) {
    for (Index q = q0; q < q1; ++q) {
      bfloat16* row = out + q * p.width * 2;
      for (Index j = j0; j < std::min(j0 + kStrip, p.n); ++j) {
        row[2 * j] = convert(b + j * ldb, 2 * q, k);
        row[2 * j + 1] = convert(b + j * ldb, 2 * q + 1, k);
      }
    }
  }
}

void multiply_packed(const PackedProduct& p, float* c, Index ldc, bool accumulate) {
  const Bf16Kernel kernel = bf16_kernel();
  if (kernel == Bf16Kernel::amx) amx_begin();
  for (Index i = 0; i < p.m; i += kBlock) {
    for (Index j = 0; j < p.n; j += kBlock) {
      run_block(kernel, p, {i, std::min(kBlock, p.m - i), j, std::min(kBlock, p.n - j)}, c, ldc,
                accumulate);
    }
  }
  if (kernel == Bf16Kernel::amx) amx_end();
}

void multiply_implicit(const ImplicitProduct& p, float* c, bool accumulate) {
  if (bf16_kernel() == Bf16Kernel::amx) return product_amx_implicit(p, c, accumulate);
  static thread_local AlignedVector<bfloat16> rows;
  constexpr Index kStrip = 16, kStep = PackedProduct::kDepthAlign;
  PackedProduct packed = PackedProduct::sized(p.rows, p.width, kStep * p.step_count);
  rows.resize(p.rows * packed.depth);
  for (Index r = 0; r < p.rows; ++r) {
    const bfloat16* from = p.a + p.strips[r / kStrip] + (r % kStrip) * p.a_stride;
    for (Index s = 0; s < p.step_count; ++s) {
      std::copy_n(from + p.steps[s], kStep, rows.begin() + r * packed.depth + kStep * s);
    }
  }
  packed.a = rows.data();
  packed.b = p.b;
  multiply_packed(packed, c, p.width, accumulate);
}

}  // namespace detail

Bf16Kernel detected_bf16_kernel() {
  static const Bf16Kernel kernel = detect();
  return kernel;
}

Bf16Kernel bf16_kernel() {
  if (kernel_isa() != Isa::avx512) return Bf16Kernel::portable;
  return current().load(std::memory_order_relaxed);
}

void set_bf16_kernel(Bf16Kernel kernel) {
  if (kernel > detected_bf16_kernel()) {
    throw Error(std::string("set_bf16_kernel: this CPU runs at most ") +
                bf16_kernel_name(detected_bf16_kernel()) + ", asked for " +
                bf16_kernel_name(kernel));
  }
  current().store(kernel, std::memory_order_relaxed);
}

void reset_bf16_kernel() {
  current().store(from_environment(), std::memory_order_relaxed);
}

const char* bf16_kernel_name(Bf16Kernel kernel) {
  switch (kernel) {
    case Bf16Kernel::amx:
      return "amx";
    case Bf16Kernel::avx512_bf16:
      return "avx512_bf16";
    case Bf16Kernel::portable:
      break;
  }
  return "portable";
}

Bf16Kernel parse_bf16_kernel(const std::string& name) {
  for (Bf16Kernel kernel : {Bf16Kernel::portable, Bf16Kernel::avx512_bf16, Bf16Kernel::amx}) {
    if (name == bf16_kernel_name(kernel)) return kernel;
  }
  throw Error("unknown bfloat16 kernel '" + name + "': expected portable, avx512_bf16 or amx");
}

void gemm_bf16(Transpose trans_a, Transpose trans_b, Index m, Index n, Index k, const float* a,
               Index lda, const float* b, Index ldb, float beta, float* c, Index ldc) {
  if (beta != 0.0f && beta != 1.0f) {
    throw Error("gemm_bf16: beta must be 0 or 1, got " + std::to_string(beta));
  }
  if (m <= 0 || n <= 0) return;
  static thread_local PackBuffers buffers;
  PackedProduct p = PackedProduct::sized(m, n, k);
  buffers.a.resize(std::max<std::size_t>(buffers.a.size(), p.rows_padded() * p.depth));
  buffers.b.resize(std::max<std::size_t>(buffers.b.size(), p.depth * p.width));
  // Named before the team starts: inside it, `buffers` would be each thread's own.
  bfloat16* packed_a = buffers.a.data();
  bfloat16* packed_b = buffers.b.data();
  p.a = packed_a;
  p.b = packed_b;
  const Bf16Kernel kernel = bf16_kernel();
  const bool accumulate = beta == 1.0f;
  const Index row_blocks = (m + kBlock - 1) / kBlock, col_blocks = (n + kBlock - 1) / kBlock;
  // A team pays off from about a million multiply-adds; inside a parallel region (a layer's
  // blocks of images) the calling thread does it all.
  const bool team = !omp_in_parallel() && double(m) * double(n) * double(k) >= double(1 << 20);
#pragma omp parallel if (team)
  {
#pragma omp for schedule(static) nowait
    for (Index i = 0; i < p.rows_padded(); i += 16) {
      detail::pack_a(trans_a == Transpose::Yes, a, lda, p, k, i, i + 16, packed_a);
    }
#pragma omp for schedule(static)
    for (Index q = 0; q < p.depth / 2; q += 16) {
      detail::pack_b(trans_b == Transpose::Yes, b, ldb, p, k, q, std::min(q + 16, p.depth / 2),
                     packed_b);
    }
    if (kernel == Bf16Kernel::amx) detail::amx_begin();
#pragma omp for schedule(static) collapse(2)
    for (Index rb = 0; rb < row_blocks; ++rb) {
      for (Index cb = 0; cb < col_blocks; ++cb) {
        const ProductBlock block{rb * kBlock, std::min(kBlock, m - rb * kBlock), cb * kBlock,
                                 std::min(kBlock, n - cb * kBlock)};
        run_block(kernel, p, block, c, ldc, accumulate);
      }
    }
    if (kernel == Bf16Kernel::amx) detail::amx_end();
  }
}

void gemm(DtypePolicy policy, Transpose trans_a, Transpose trans_b, Index m, Index n, Index k,
          const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc) {
  if (policy == DtypePolicy::mixed_bfloat16) {
    gemm_bf16(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
  } else {
    gemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace minidl
