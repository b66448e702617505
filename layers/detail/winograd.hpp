// Internal: Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) for 3x3 convolutions of stride 1, NHWC, one image at a
// time. Each 2x2 block of output pixels reads a 4x4 input tile; with
//   V = B^T d B (input tile),  U = G g G^T (kernel),  Y = A^T (V . U) A (output block)
// the 9 multiply-adds per output pixel and channel pair become 4: the 16 products V . U are 16
// matrix products (tiles, Cin) x (Cin, Cout), run by tile_products.hpp's fixed-size loops for 32
// or 64 channels in and out, else by DirectConv's register-tiled loops as 1x1 convolutions. The
// kernel gradient is the adjoint: dU = sum over tiles of V^T (A dY A^T), then dg = G^T dU G.
// Rounding differs from the direct sum by a few float ulps of the inputs' magnitude (the transforms
// only add, subtract and halve).
//
// Under mixed_bfloat16 on CPUs whose bfloat16 kernel is VDPBF16PS (bf16_products), the 16 products
// multiply V, U and A dY A^T rounded to bfloat16 and add in float32 (tile_products.hpp): on such a
// CPU a pair of bfloat16 products costs what one float32 multiply-add does, so the products take
// about half the time while the transforms stay float32. The rounding is then that of the
// transformed values, whose magnitudes are sums of up to four inputs: the result is within a few
// bfloat16 ulps of the exact convolution rather than equal to it on rounded operands.
#pragma once

#include <cstdint>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/detail/bf16_kernels.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/layers/conv_geometry.hpp>
#include <minidl/layers/detail/direct_conv.hpp>

namespace minidl::detail {

// Where a transform puts its 16 planes of (block tiles, channels) values: float32, or bfloat16
// with a tile's channels side by side (pairs of channels: the forward products sum over them) or
// with the next tile's (pairs of tiles: the kernel gradient's products sum over tiles).
enum class PlaneLayout { float32, bf16_channel_pairs, bf16_tile_pairs };
struct Planes {
  void* data;
  PlaneLayout layout;
  Index plane;  // values from one plane to the next
  Index channels;
};

class Winograd {
 public:
  // 3x3, stride 1, and the products fit DirectConv (filters a multiple of 16, up to 64).
  static bool suits(const ConvGeometry& g);

  // suits(g) with the fixed-size products (32 or 64 channels in and out), and the CPU's bfloat16
  // kernel is VDPBF16PS (bf16_kernel() avx512_bf16).
  static bool suits_bf16(const ConvGeometry& g);

  Winograd(const ConvGeometry& g, bool bf16_products);

  // The size of U (16, Cin, Cout) and of its gradient.
  Index transformed_kernel_size() const { return 16 * g_.cin * g_.cout; }
  // The kernel forward() convolves with: its U, rounded and packed in pairs of input channels
  // for bfloat16 products.
  void set_kernel(const float* kernel);
  // dk (3,3,Cin,Cout) += G^T dU G.
  void add_kernel_gradient_from(const float* du, float* dk) const;

  // Floats of scratch one image needs (V and the 16 products of a block of tiles).
  Index scratch_size() const;
  // y (OH,OW,Cout) = image (H,W,Cin) (*) the kernel of set_kernel (+ bias when not null).
  void forward(const float* image, const float* bias, float* y, float* scratch) const;
  // A 2x2 max pooling at stride 2 after the convolution, whose windows are the 2x2 output blocks
  // (OH and OW even): forward's output with the ReLU when `relu`, pooled while the output
  // transform has each block in registers, as detail::max_pool_2x2 would pool y (the same bits
  // and, with `windows`, the same record); y is never written.
  struct Pooling {
    float* values;  // (OH/2, OW/2, Cout)
    std::uint8_t* windows;
    bool relu;
  };
  void forward_pooled(const float* image, const float* bias, const Pooling& pooling,
                      float* scratch) const;
  // du (16,Cin,Cout) += the transformed kernel gradient of one image and its dy (OH,OW,Cout).
  void add_transformed_gradient(const float* image, const float* dy, float* du,
                                float* scratch) const;

 private:
  // U = G g G^T for every channel pair of kernel (3,3,Cin,Cout).
  void transform_kernel(const float* kernel, float* u) const;
  // V (16, block tiles, Cin) of the block of tile rows from `first_row`.
  // Input pixels in the padding, or below the image in the tile rows that round the grid up to
  // whole blocks, read as zeros.
  void transform_input(const float* image, Index first_row, const Planes& v) const;
  // forward or forward_pooled, block of tile rows by block.
  void forward_blocks(const float* image, const float* bias, float* y, const Pooling* pooling,
                      float* scratch) const;
  // The block's outputs from its products m (16, block tiles, Cout), plus bias; or pooled.
  void transform_output(const float* m, Index first_row, const float* bias, float* y) const;
  void transform_output_pooled(const float* m, Index first_row, const float* bias,
                               const Pooling& pooling) const;
  // dM (16, block tiles, Cout) = A dY A^T for the block's tiles.
  void transform_gradient(const float* dy, Index first_row, const Planes& dm) const;
  // The two above for bfloat16 layouts, compiled for AVX512_BF16's conversions.
  void transform_input_bf16(const float* image, Index first_row, const Planes& v) const;
  void transform_gradient_bf16(const float* dy, Index first_row, const Planes& dm) const;
  // Values from one of a block's 16 planes to the next: float32 (block tiles, channels), or
  // bfloat16 with the tiles rounded up to pairs; a cache line between planes.
  Index plane_size(Index channels) const;
  Index bf16_plane_size(Index channels) const;
  Planes planes(float* data, Index channels, PlaneLayout layout) const;

  ConvGeometry g_;
  Index tiles_w_, block_rows_, tiles_h_, block_tiles_;
  DirectConv product_;   // (block tiles, Cin) x (Cin, Cout) as a 1x1 convolution, or
  bool fixed_products_;  // the loops of tile_products.hpp for these channel counts, in float32
  bool bf16_products_;   // or in bfloat16 pairs
  Tensor u_;             // U, for float32 products (from the buffer pool)
  AlignedVector<bfloat16> u_bf16_;  // U in pair rows (16, Cin / 2, Cout, 2), for bfloat16
};

}  // namespace minidl::detail
