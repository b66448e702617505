// Internal: Conv2D's products under mixed_bfloat16, one image at a time, on AMX tiles (or the
// other bfloat16 kernels, core/gemm_bf16.hpp). Each image's im2col is written straight into the
// packed bfloat16 layout the product reads, so no float32 column matrix is written or read back;
// the image's output or gradient is still in cache for what follows (bias, activation, pooling).
// With AMX a stride-1 forward pass (and so a stride-1 input gradient) has no im2col at all: its
// tiles read the taps from the padded image, whose channels are padded to 32 (the tiles' depth).
#pragma once

#include <vector>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/detail/bf16_kernels.hpp>
#include <minidl/layers/conv_geometry.hpp>

namespace minidl::detail {

class Bf16Conv {
 public:
  explicit Bf16Conv(const ConvGeometry& g);

  // The kernel (KH,KW,Cin,Cout), a (patch, Cout) matrix, packed as the products' right operand.
  std::vector<bfloat16> pack_kernel(const float* kernel) const;
  // out (OH*OW, Cout) = image (*) kernel, plus bias when not null.
  void forward_image(const float* image, const bfloat16* packed_kernel, const float* bias,
                     float* out) const;
  // gradient_t (Cout, patch) += dz^T (Cout, OH*OW) . im2col(image) (OH*OW, patch): the kernel's
  // gradient, transposed so that the long side (pixels) is the products' depth.
  void add_kernel_gradient(const float* image, const float* dz, float* gradient_t) const;
  // kernel_gradient (patch, Cout) += gradient_t^T.
  void add_transposed(const float* gradient_t, float* kernel_gradient) const;

 private:
  // The image in bfloat16 inside its zero padding (padded_h_ x padded_w_ x Cin), so that every
  // window is whole: the im2cols below copy runs of KW*Cin values, with no conversions or tests.
  // `channels` per pixel (Cin, or more with zeros), `pixels` in all (the padded image, or more
  // with zeros after it).
  const bfloat16* pad_image(const float* image, Index channels, Index pixels) const;
  void forward_implicit(const float* image, const bfloat16* packed_kernel, const float* bias,
                        float* out) const;
  // The top left of output pixel `pixel`'s window: its row ky starts ky * padded_w_ * Cin on.
  const bfloat16* window(const bfloat16* padded, Index pixel) const;
  // The product p's left operand (forward) and right operand (kernel gradient), laid out as p
  // says.
  void im2col_rows(const bfloat16* padded, const PackedProduct& p, bfloat16* rows) const;
  void im2col_pairs(const bfloat16* padded, const PackedProduct& p, bfloat16* pairs) const;

  ConvGeometry g_;
  Index pixels_, padded_h_, padded_w_;
  // The implicit forward pass: its output rows are pixels of padded_w_-wide rows (those past OW
  // are computed and dropped), `implicit_rows_` of them; channels_ is Cin rounded up to 32;
  // steps_ the offset of each 32 channels of each tap in the padded image.
  bool implicit_;
  Index channels_, implicit_rows_, implicit_pixels_;
  std::vector<Index> steps_;
};

}  // namespace minidl::detail
