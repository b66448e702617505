// The sampling of transforms that shift each row as a whole: output (x, y) reads the input at
// (x + dx + dx_per_row * y, y + dy), a translation (dx_per_row = 0) or a horizontal shear. Every
// output row then reads two input rows (one for nearest) at one column offset with one pair of
// bilinear weights, so the columns whose taps are inside the image are one contiguous
// multiply-add (a copy for nearest) over the row, and only the columns near the edges look up
// their taps. Same results as resample_image with that position, up to the float rounding of
// the position.
#pragma once

#include <minidl/layers/augment/affine_transform.hpp>

namespace minidl::detail {

// Shifts of at most a few image sizes (the caller checks): the taps are tabulated per column.
void shift_rows(const float* in, float* out, Index h, Index w, Index c, float dx, float dx_per_row,
                float dy, const Resampling& r);

}  // namespace minidl::detail
