// The sampling of a pure translation (output (x, y) reads the input at (x + dx, y + dy)): every
// output row reads two input rows (one for nearest) at one column offset with one pair of
// bilinear weights, so the columns whose taps are inside the image are one contiguous
// multiply-add (a copy for nearest) over the row, and only the columns near the edges look up
// their taps. Same results as resample_image with that position, up to float rounding of x + dx.
#pragma once

#include <minidl/layers/augment/affine_transform.hpp>

namespace minidl::detail {

void translate_image(const float* in, float* out, Index h, Index w, Index c, float dx, float dy,
                     const Resampling& r);

}  // namespace minidl::detail
