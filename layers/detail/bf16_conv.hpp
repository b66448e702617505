// Internal: Conv2D's products under mixed_bfloat16, one image at a time, as implicit GEMMs: the
// kernels read their left operand straight from a padded bfloat16 copy of the image, with no
// im2col. AMX tiles (core/detail/bf16_kernels.hpp) read 16 slots by 32 values at a time; the
// other kernels (core/detail/bf16_dot.hpp) read one output pixel's row by pairs, so they skip the
// slots between image rows and the padding of short runs of taps. The image's output or gradient
// is still in cache for what follows (bias, activation, pooling).
//
// A strided convolution reads the padded image split into its stride phases (rows y with the same
// y % SH, columns x with the same x % SW), so that the taps of neighbouring output pixels lie next
// to each other there too. Output pixel (oy, ox) is the product's "slot" oy * plane_w + ox, where
// plane_w is a phase's width: the slots with ox >= OW are computed and dropped (forward) or get a
// zero gradient (kernel gradient).
#pragma once

#include <cstdint>
#include <vector>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/detail/bf16_dot.hpp>
#include <minidl/core/detail/bf16_kernels.hpp>
#include <minidl/core/shape.hpp>
#include <minidl/layers/conv_geometry.hpp>

namespace minidl::detail {

class Bf16Conv {
 public:
  explicit Bf16Conv(const ConvGeometry& g);

  // The kernel (KH,KW,Cin,Cout) packed as the forward product's right operand.
  AlignedVector<bfloat16> pack_kernel(const float* kernel) const;
  // out (OH*OW, Cout) = image (*) kernel, plus bias when not null, then ReLU when `relu`.
  void forward_image(const float* image, const bfloat16* packed_kernel, const float* bias,
                     bool relu, float* out) const;
  // The same output 2x2 max-pooled at stride 2 as max_pool_2x2 pools it, OH and OW even:
  // pooled (OH/2*OW/2, Cout) and, when not null, each maximum's record (window_record.hpp) in
  // `windows`. The output itself is never stored. bf16_kernel() not amx.
  void forward_image_pooled(const float* image, const bfloat16* packed_kernel, const float* bias,
                            bool relu, float* pooled, std::uint8_t* windows) const;

  // A kernel gradient with Cin and Cout padded to 16: (KH*KW*Cin16, Cout16).
  Shape gradient_shape() const;
  // gradient += im2col(image)^T (taps, slots) . dz (slots, Cout): pixels are the products' depth,
  // read per tap and channel from a channel-major copy of the image.
  void add_kernel_gradient(const float* image, const float* dz, float* gradient) const;
  // The same from dz already in bfloat16 pairs, as the dot kernels read it (bf16_kernel() not
  // amx): pairs of neighbouring pixels of each output row (the last alone when OW is odd), OH *
  // ceil(OW / 2) rows of gradient_shape()[1] pairs, zero pairs past Cout.
  void add_kernel_gradient(const float* image, const bfloat16* dz_pairs, float* gradient) const;
  Index dz_pairs_size() const { return g_.oh * row_pairs_ * width_ * 2; }
  // kernel_gradient (KH,KW,Cin,Cout) += gradient without its padding.
  void add_unpadded(const float* gradient, float* kernel_gradient) const;

 private:
  // The padded image in bfloat16, phase by phase: pixel-major (Cin values per pixel) for the
  // forward pass, channel-major (one plane per channel) for the kernel gradient. Zeros around it.
  const bfloat16* pixel_major(const float* image) const;
  const bfloat16* channel_major(const float* image) const;
  // Padded pixel (y, x)'s phase, and its pixel index inside that phase.
  Index phase(Index y, Index x) const;
  Index position(Index y, Index x) const;
  // The dot kernels' forward product of the rows of pixel_major(image) at `rows`, into out +
  // out_rows[i].
  DotProduct forward_product(const float* image, const bfloat16* packed_kernel,
                             const std::vector<Index>& rows, const std::vector<Index>& out_rows,
                             const float* bias, bool relu, float* out) const;

  ConvGeometry g_;
  Index plane_w_, phase_size_, phases_;
  // Forward: `rows_` slots (a multiple of 16) by `width_` (Cout rounded up to 16). K-step s reads
  // 32 values from `forward_steps_[s]` on: runs of taps (ky, kx, kx + SW, ...) of one phase with
  // all their channels; `forward_strips_` start each 16 slots. pixel_major holds image_size_.
  // `step_taps_[s]` says which kernel values step s multiplies: those of row ky, phase column px,
  // from value `first` of that run of `run` values (taps kx = px, px + SW, ... by channel).
  struct StepTaps {
    Index ky, px, first, run;
  };
  Index rows_, width_, image_size_;
  std::vector<Index> forward_steps_, forward_strips_;
  std::vector<StepTaps> step_taps_;
  // Kernel gradient: rows are taps (ky, kx, c) with c up to Cin16, depth `depth_` slots;
  // channel-major planes of plane_size_ values each.
  Index channels_, depth_, plane_size_;
  std::vector<Index> gradient_steps_, gradient_strips_;
  // The same products for the dot kernels. Forward: one row per output pixel, its result written
  // in place; the steps of forward_steps_ with only the pairs their run holds. Kernel gradient:
  // one row per tap and channel below Cin; one step per output row, dz's pairs of that row only.
  // Pooled forward: the output pixels' rows window by window, and where each window's maxima go.
  std::vector<Index> pixel_rows_, pixel_out_rows_, tap_rows_, tap_out_rows_;
  std::vector<Index> window_rows_, window_out_rows_;
  std::vector<DotStep> forward_dot_steps_, gradient_dot_steps_;
  Index row_pairs_;  // dz's pairs per output row: OW / 2 rounded up
};

}  // namespace minidl::detail
