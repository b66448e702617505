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
#pragma once

#include <minidl/layers/conv_geometry.hpp>
#include <minidl/layers/detail/direct_conv.hpp>

namespace minidl::detail {

class Winograd {
 public:
  // 3x3, stride 1, and the products fit DirectConv (filters a multiple of 16, up to 64).
  static bool suits(const ConvGeometry& g);

  explicit Winograd(const ConvGeometry& g);

  // U (16, Cin, Cout) = G g G^T for every channel pair of kernel (3,3,Cin,Cout).
  Index transformed_kernel_size() const { return 16 * g_.cin * g_.cout; }
  void transform_kernel(const float* kernel, float* u) const;
  // dk (3,3,Cin,Cout) += G^T dU G.
  void add_kernel_gradient_from(const float* du, float* dk) const;

  // Floats of scratch one image needs (V and the 16 products of a block of tiles).
  Index scratch_size() const;
  // y (OH,OW,Cout) = image (H,W,Cin) (*) kernel (+ bias when not null).
  void forward(const float* image, const float* u, const float* bias, float* y,
               float* scratch) const;
  // du (16,Cin,Cout) += the transformed kernel gradient of one image and its dy (OH,OW,Cout).
  void add_transformed_gradient(const float* image, const float* dy, float* du,
                                float* scratch) const;

 private:
  // V (16, block tiles, Cin) of the block of tile rows from `first_row`.
  // Input pixels in the padding, or below the image in the tile rows that round the grid up to
  // whole blocks, read as zeros.
  void transform_input(const float* image, Index first_row, float* v) const;
  // The block's outputs from its products m (16, block tiles, Cout), plus bias.
  void transform_output(const float* m, Index first_row, const float* bias, float* y) const;
  // dM (16, block tiles, Cout) = A dY A^T for the block's tiles.
  void transform_gradient(const float* dy, Index first_row, float* dm) const;

  ConvGeometry g_;
  Index tiles_w_, block_rows_, tiles_h_, block_tiles_;
  DirectConv product_;   // (block tiles, Cin) x (Cin, Cout) as a 1x1 convolution, or
  bool fixed_products_;  // the loops of tile_products.hpp for these channel counts
};

}  // namespace minidl::detail
