// Internal: the product of the avx512_bf16 and portable bfloat16 kernels, its left operand read
// where it lies. VDPBF16PS broadcasts one pair of bfloat16 at a time, so, unlike AMX's 16 x 32
// tiles, a row may start anywhere and a K-step may hold any number of pairs: a convolution reads
// its taps straight from the padded image, one row per output pixel, with no padding of its runs
// of taps to 32 values and no rows for the slots between image rows.
#pragma once

#include <cstdint>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/shape.hpp>

namespace minidl::detail {

// K-step s multiplies `pairs` pairs of each row, from value `a` past the row's start, by the right
// operand's pair rows `b`, `b` + 1, ...
struct DotStep {
  Index a, b, pairs;
};

// C (+)= A . B, then + bias, then ReLU:
//   row i of A starts at a + rows[i]; its result is n float32 from c + c_rows[i] on;
//   b holds pair rows of `width` pairs each (width a multiple of 16, n <= width): pair j of a
//   row is (B[2q][j], B[2q + 1][j]), two consecutive k of one column side by side.
// bias (n values) may be null; `accumulate` adds C's values first.
// With `pooled` (and no `accumulate`), C receives 2x2 max-pooled results instead: the rows come
// in fours, the pixels of window w in row-major order in rows 4w .. 4w + 3, and window w's
// maximum of each column (after bias and ReLU) goes to c + c_rows[w], as max_pool_2x2 would
// pool them, and with `windows` its record (window_record.hpp) to windows + c_rows[w].
struct DotProduct {
  const bfloat16* a;
  const Index* rows;
  Index row_count;
  const DotStep* steps;
  Index step_count;
  const bfloat16* b;
  Index width;
  float* c;
  const Index* c_rows;
  Index n;
  const float* bias = nullptr;
  bool relu = false;
  bool accumulate = false;
  bool pooled = false;
  std::uint8_t* windows = nullptr;
};

// Rows [row0, row1) (multiples of 4 when pooled) and columns [col0, col1) of the product (col0 a
// multiple of 16) on the calling thread, with bf16_kernel() (which must not be amx). Each element
// is summed in the same order whatever the part, so parts run on any threads give the same bits.
void dot(const DotProduct& p, Index row0, Index row1, Index col0, Index col1);
inline void dot(const DotProduct& p) {
  dot(p, 0, p.row_count, 0, p.n);
}

}  // namespace minidl::detail
