// Internal: MaxPooling2D's most common case, 2x2 windows at stride 2 tiling an NHWC image whose
// channels are a multiple of 16, on AVX-512: a window's four pixels are four vectors, compared
// and selected under masks, without the general loops' per-window bounds. The same results as
// the general loops: strict > in row-major window order (ties to the first), NaN never taken.
#pragma once

#include <cstdint>

#include <minidl/core/shape.hpp>

namespace minidl::detail {

// kernel_isa() is avx512 and the channels are a multiple of 16.
bool suits_max_pool_2x2(Index channels);
// out (H/2, W/2, C) = the maxima of image (H, W, C); with `arg`, the pixel (y * W + x) of each
// (-1 where no value is above -infinity).
void max_pool_2x2(const float* image, Index h, Index w, Index c, float* out, std::int32_t* arg);
// dx (H, W, C) = dy (H/2, W/2, C) at each window's `arg` pixel, 0 elsewhere; with `relu_of` (the
// pooled outputs) only where that output is > 0.
void route_max_pool_2x2(const float* dy, const std::int32_t* arg, const float* relu_of, Index h,
                        Index w, Index c, float* dx);

}  // namespace minidl::detail
