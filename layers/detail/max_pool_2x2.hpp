// Internal: MaxPooling2D's most common case, 2x2 windows at stride 2 tiling an NHWC image whose
// channels are a multiple of 16, on AVX-512: a window's four pixels are four vectors, compared
// and selected under masks, without the general loops' per-window bounds. The same results as
// the general loops: strict > in row-major window order (ties to the first), NaN never taken.
#pragma once

#include <cstdint>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/detail/window_record.hpp>
#include <minidl/core/shape.hpp>

namespace minidl::detail {

// kernel_isa() is avx512 and the channels are a multiple of 16.
bool suits_max_pool_2x2(Index channels);

// out (H/2, W/2, C) = the maxima of image (H, W, C); with `windows`, the record of each.
void max_pool_2x2(const float* image, Index h, Index w, Index c, float* out, std::uint8_t* windows);
// dx (H, W, C) = dy (H/2, W/2, C) where `windows` places each maximum, 0 elsewhere; with `relu`
// only where the maximum was > 0.
void route_max_pool_2x2(const float* dy, const std::uint8_t* windows, bool relu, Index h, Index w,
                        Index c, float* dx);
// The same dx written as bfloat16 pairs of neighbouring pixels, (dx[y][x][ch], dx[y][x + 1][ch])
// for even x, in row y * W/2 + x/2 of `width` pairs (zero pairs past C): the right operand of a
// bfloat16 kernel gradient (layers/detail/bf16_conv.hpp). Rounded as to_bfloat16. With `sum`,
// sum[ch] += dx's values, each image row's summed from 0 in pixel order, then the rows in order.
void route_max_pool_2x2_pairs(const float* dy, const std::uint8_t* windows, bool relu, Index h,
                              Index w, Index c, Index width, bfloat16* pairs, float* sum);

}  // namespace minidl::detail
