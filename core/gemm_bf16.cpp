#include <minidl/core/gemm_bf16.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <vector>

#include <omp.h>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/bf16_dot.hpp>
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

// C's blocks, one kernel call each.
constexpr Index kBlock = 32;

// The packing buffers of the thread that calls gemm_bf16, reused from call to call, and the dot
// kernels' row and step lists.
struct PackBuffers {
  detail::AlignedVector<bfloat16> a, b;
  std::vector<Index> rows, c_rows;
  std::vector<detail::DotStep> steps;
};

// Columns of C per part of the dot kernels' work: the 64 their widest tile holds.
constexpr Index kDotColumns = 64;

}  // namespace

namespace detail {

void pack_a(bool transposed, const float* a, Index lda, const PackedProduct& p, Index k, Index row0,
            Index row1, bfloat16* out) {
  if (transposed && kernel_isa() == Isa::avx512) {
    for (Index i0 = row0; i0 < row1; i0 += 16) pack_a_transposed_avx512(a, lda, p, k, i0, out);
    return;
  }
  for (Index i = row0; i < row1; ++i) {
    bfloat16* row = out + i * p.depth;
    const Index filled = i < p.m ? k : 0;  // the transposed rows are filled below
    if (i < p.m && !transposed) {
      for (Index d = 0; d < k; ++d) row[d] = to_bfloat16(a[i * lda + d]);
    }
    std::fill(row + filled, row + p.depth, bfloat16{});
  }
  if (!transposed) return;
  // op(A)'s row i is A's column i: pairs of A's rows converted 16 columns at a time (vector
  // loads), each pair then stored into its row of op(A).
  constexpr Index kStrip = 16;
  bfloat16 pairs[2 * kStrip];
  for (Index i0 = row0; i0 < std::min(row1, p.m); i0 += kStrip) {
    const Index count = std::min({i0 + kStrip, row1, p.m}) - i0;
    for (Index d = 0; d < k; d += 2) {
      pack_pair_row(a + d * lda + i0, d + 1 < k ? a + (d + 1) * lda + i0 : nullptr, count, pairs);
      for (Index i = 0; i < count; ++i) {
        std::copy_n(pairs + 2 * i, 2, out + (i0 + i) * p.depth + d);
      }
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

void pack_b(const float* b, Index ldb, const PackedProduct& p, Index k, Index q0, Index q1,
            bfloat16* out) {
  for (Index q = q0; q < q1; ++q) {
    // Rows four pairs ahead: a Dense kernel's rows are short runs (its units) that the hardware
    // prefetcher barely starts on, and its 2 MB arrive from L3 (Dense's forward pack under
    // mixed_bfloat16: 4.2% -> 2.7% of the training step).
    for (Index r = 2 * q + 8; r < std::min(2 * q + 10, k); ++r) {
      for (Index j = 0; j < p.n; j += 16) __builtin_prefetch(b + r * ldb + j);
    }
    bfloat16* row = out + q * p.width * 2;
    pack_pair_row(2 * q < k ? b + 2 * q * ldb : nullptr,
                  2 * q + 1 < k ? b + (2 * q + 1) * ldb : nullptr, p.n, row);
    std::fill(row + 2 * p.n, row + 2 * p.width, bfloat16{});
  }
}

void pack_b_transposed(const float* b, Index ldb, const PackedProduct& p, Index k, Index j0,
                       bfloat16* out) {
  if (kernel_isa() == Isa::avx512) return pack_b_transposed_avx512(b, ldb, p, k, j0, out);
  // op(B)'s column j is B's row j, whose neighbouring values are already the pairs: 16 rows
  // converted whole (vector loads, each row read once), then stored pair row by pair row, 16
  // columns side by side.
  constexpr Index kStrip = 16;
  static thread_local AlignedVector<bfloat16> values;
  values.resize(kStrip * p.depth);
  for (Index j = 0; j < kStrip; ++j) {
    bfloat16* row = values.data() + j * p.depth;
    const Index filled = j0 + j < p.n ? k : 0;
    to_bfloat16(b + (j0 + j) * ldb, filled, row);
    std::fill(row + filled, row + p.depth, bfloat16{});
  }
  for (Index q = 0; q < p.depth / 2; ++q) {
    bfloat16* row = out + (q * p.width + j0) * 2;
    for (Index j = 0; j < kStrip; ++j)
      std::copy_n(values.data() + j * p.depth + 2 * q, 2, row + 2 * j);
  }
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

namespace {

// Inside a team: op(A) and op(B) packed into packed_a and packed_b, shared among the threads.
void pack(Transpose trans_a, const float* a, Index lda, Transpose trans_b, const float* b,
          Index ldb, const PackedProduct& p, Index k, bfloat16* packed_a, bfloat16* packed_b) {
#pragma omp for schedule(static) nowait
  for (Index i = 0; i < p.rows_padded(); i += 16) {
    detail::pack_a(trans_a == Transpose::Yes, a, lda, p, k, i, i + 16, packed_a);
  }
  if (trans_b == Transpose::Yes) {
#pragma omp for schedule(static)
    for (Index j = 0; j < p.width; j += 16) detail::pack_b_transposed(b, ldb, p, k, j, packed_b);
    return;
  }
#pragma omp for schedule(static)
  for (Index q = 0; q < p.depth / 2; q += 16) {
    detail::pack_b(b, ldb, p, k, q, std::min(q + 16, p.depth / 2), packed_b);
  }
}

// Inside a team: C's 32 x 32 blocks on AMX tiles.
void multiply_amx(const PackedProduct& p, float* c, Index ldc, bool accumulate) {
  const Index row_blocks = (p.m + kBlock - 1) / kBlock, col_blocks = (p.n + kBlock - 1) / kBlock;
  detail::amx_begin();
#pragma omp for schedule(static) collapse(2)
  for (Index rb = 0; rb < row_blocks; ++rb) {
    for (Index cb = 0; cb < col_blocks; ++cb) {
      const ProductBlock block{rb * kBlock, std::min(kBlock, p.m - rb * kBlock), cb * kBlock,
                               std::min(kBlock, p.n - cb * kBlock)};
      detail::product_amx(p, block, c, ldc, accumulate);
    }
  }
  detail::amx_end();
}

}  // namespace

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
  const bool accumulate = beta == 1.0f;
  // A team pays off from about a million multiply-adds; inside a parallel region (a layer's
  // blocks of images) the calling thread does it all.
  const bool team = !omp_in_parallel() && double(m) * double(n) * double(k) >= double(1 << 20);
  if (bf16_kernel() == Bf16Kernel::amx) {
#pragma omp parallel if (team)
    {
      pack(trans_a, a, lda, trans_b, b, ldb, p, k, packed_a, packed_b);
      multiply_amx(p, c, ldc, accumulate);
    }
    return;
  }
  // The dot kernels read A's rows in place, from the packed rows.
  std::vector<Index>& rows = buffers.rows;
  std::vector<Index>& c_rows = buffers.c_rows;
  std::vector<detail::DotStep>& steps = buffers.steps;
  rows.resize(m);
  c_rows.resize(m);
  for (Index i = 0; i < m; ++i) {
    rows[i] = i * p.depth;
    c_rows[i] = i * ldc;
  }
  steps.clear();
  for (Index d = 0; d < k; d += PackedProduct::kDepthAlign) {
    steps.push_back({d, d / 2, (std::min(PackedProduct::kDepthAlign, k - d) + 1) / 2});
  }
  detail::DotProduct product{packed_a, rows.data(), m, steps.data(),  Index(steps.size()),
                             packed_b, p.width,     c, c_rows.data(), n};
  product.accumulate = accumulate;
#pragma omp parallel if (team)
  {
    pack(trans_a, a, lda, trans_b, b, ldb, p, k, packed_a, packed_b);
    // Each thread reads only its share of the larger operand. When A has more rows than B has
    // columns (a Dense kernel gradient's input: 4096 rows against 128 columns), that is the rows
    // of A it has just packed itself, with all the columns; split by columns, each thread would
    // read all of A, half of it from the other core (Dense's kernel gradient under
    // mixed_bfloat16, two threads: 0.37 -> 0.24 ms). Otherwise B's columns, and rows when there
    // are fewer column parts than threads.
    const Index threads = omp_get_num_threads();
    if (m > n) {
#pragma omp for schedule(static)
      for (Index t = 0; t < threads; ++t) {
        detail::dot(product, m * t / threads, m * (t + 1) / threads, 0, n);
      }
    } else {
      const Index col_parts = (n + kDotColumns - 1) / kDotColumns;
      const Index row_parts =
          col_parts >= threads ? 1 : std::min(m, (threads + col_parts - 1) / col_parts);
      const Index part_rows = (m + row_parts - 1) / row_parts;
#pragma omp for schedule(static) collapse(2)
      for (Index cp = 0; cp < col_parts; ++cp) {
        for (Index rp = 0; rp < row_parts; ++rp) {
          detail::dot(product, rp * part_rows, std::min(m, (rp + 1) * part_rows), cp * kDotColumns,
                      std::min(n, (cp + 1) * kDotColumns));
        }
      }
    }
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
