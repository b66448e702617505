// Internal: the 16 matrix products of Winograd F(2x2,3x3) (winograd.hpp) for 32 or 64 input and
// output channels (ResNet-style stages, the reference CNN's second layer), with the counts fixed
// at compile time. The
// generic loops (DirectConv's, as 1x1 convolutions) look their taps up in a table and step
// their addresses at run time; here every operand sits at a constant offset, so each
// multiply-add is one instruction with its broadcast folded in.
#pragma once

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/shape.hpp>

namespace minidl::detail {

// Whether products of (cin, cout) have the fixed-size loops below (AVX-512, see kernel_isa()).
bool has_tile_products(Index cin, Index cout);
// m (tiles, cout) = v (tiles, cin) . u (cin, cout).
void tile_products(Index cin, Index cout, Index tiles, const float* v, const float* u, float* m);
// du (cin, cout) += v^T (cin, tiles) . dm (tiles, cout).
void add_tile_gradients(Index cin, Index cout, Index tiles, const float* v, const float* dm,
                        float* du);

// The same products on VDPBF16PS (bf16_kernel() avx512_bf16), operands in bfloat16 pairs, each
// instruction two multiply-adds per lane:
// m (tiles, cout) = v (tiles, cin) . u, u in pair rows (cin / 2, cout, 2): (u[2q][j], u[2q+1][j]).
void tile_products_bf16(Index cin, Index cout, Index tiles, const bfloat16* v, const bfloat16* u,
                        float* m);
// du (cin, cout) += the sum over tiles of v^T dm, both in pair rows of tiles:
// v (tile pairs, cin, 2), dm (tile pairs, cout, 2).
void add_tile_gradients_bf16(Index cin, Index cout, Index tile_pairs, const bfloat16* v,
                             const bfloat16* dm, float* du);

}  // namespace minidl::detail
