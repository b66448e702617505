// Internal: the 16 matrix products of Winograd F(2x2,3x3) (winograd.hpp) for 32 or 64 input and
// output channels (ResNet-style stages, the reference CNN's second layer), with the counts fixed
// at compile time. The
// generic loops (DirectConv's, as 1x1 convolutions) look their taps up in a table and step
// their addresses at run time; here every operand sits at a constant offset, so each
// multiply-add is one instruction with its broadcast folded in.
#pragma once

#include <minidl/core/shape.hpp>

namespace minidl::detail {

// Whether products of (cin, cout) have the fixed-size loops below (AVX-512, see kernel_isa()).
bool has_tile_products(Index cin, Index cout);
// m (tiles, cout) = v (tiles, cin) . u (cin, cout).
void tile_products(Index cin, Index cout, Index tiles, const float* v, const float* u, float* m);
// du (cin, cout) += v^T (cin, tiles) . dm (tiles, cout).
void add_tile_gradients(Index cin, Index cout, Index tiles, const float* v, const float* dm,
                        float* du);

}  // namespace minidl::detail
