// Internal: direct convolution, for 16 to 64 filters. There im2col's GEMM is thin (N = Cout, and
// for an image model's first layer K = KH*KW*Cin is 27 or 9) and runs far below the GEMM's peak,
// and the column matrix is KH*KW times the input. These loops do the same multiply-adds on a
// zero-padded copy of one image, with the accumulators held in vector registers: one vector per
// 16 filters (AVX-512) or 8 (AVX2), several output pixels at a time. Any stride; filters in
// multiples of the vector width, up to 64, on CPUs with either (kernel_isa(), see suits()).
// The input gradient of a stride-1 convolution is itself one: dz padded by (KH-1-pad_top,
// KW-1-pad_left) and convolved with the kernel flipped in space and with Cin and Cout swapped
// (transposed_geometry, flip_transpose_kernel).
#pragma once

#include <cstdint>
#include <vector>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/layers/conv_geometry.hpp>

namespace minidl::detail {

class DirectConv {
 public:
  // Whether kernel_isa() has the direct path and it pays for `g`. A DirectConv keeps the
  // instruction set it was made with.
  static bool suits(const ConvGeometry& g);

  // Whether `g` takes the sliding-window loops (AVX-512; 16 filters, 3-wide kernel, horizontal
  // stride 1, 1, 3, 16, 32 or 64 input channels, output width a multiple of 16), which run near the
  // FMA peak and beat Winograd for these layers.
  static bool slides(const ConvGeometry& g);

  explicit DirectConv(const ConvGeometry& g);

  // Floats of one zero-padded image, ((OH-1)*SH+KH, (OW-1)*SW+KW, Cin): the scratch that
  // forward_image and prepare may pad an image into.
  Index padded_size() const { return padded_h_ * padded_w_ * g_.cin; }
  // y (OH*OW, Cout) = image (H,W,Cin) (*) kernel (+ bias when not null), for one image:
  // forward(prepare(image, scratch), ...).
  void forward_image(const float* image, const float* kernel, const float* bias, float* y,
                     float* scratch) const;
  // What forward and add_kernel_gradient read for an image (H,W,Cin): the image itself for the
  // sliding loops (which leave out what lies outside it) and when no window reaches outside it,
  // else a copy with the layer's padding as zeros around it, written to `scratch`.
  const float* prepare(const float* image, float* scratch) const;
  // y (OH*OW, Cout) = prepared (*) kernel (+ bias when not null), for one image. Winograd's
  // products call it directly, as 1x1 convolutions of rows of tiles.
  void forward(const float* prepared, const float* kernel, const float* bias, float* y) const;
  // Whether forward_image_pooled runs: the register-tiled loops on AVX-512 (not the sliding
  // ones), OH and OW even.
  bool pools() const;
  // forward_image's output, plus a ReLU when `relu`, 2x2 max-pooled at stride 2 as max_pool_2x2
  // pools it: pooled (OH/2*OW/2, Cout) and, when not null, each maximum's record
  // (core/detail/window_record.hpp) in `windows`. The output itself is never stored.
  void forward_image_pooled(const float* image, const float* kernel, const float* bias, bool relu,
                            float* pooled, std::uint8_t* windows, float* scratch) const;
  // dk (taps, Cout) += sum over the output pixels p of window_p (taps) x dz_p (Cout), one image.
  void add_kernel_gradient(const float* prepared, const float* dz, float* dk) const;

 private:
  void pad(const float* image, float* padded) const;

  ConvGeometry g_;
  Isa isa_;
  Index padded_h_, padded_w_;
  bool slides_, reads_image_;
  Index row_w_;                     // pixels per row of what prepare gives
  std::vector<Index> tap_offsets_;  // tap (ky,kx,c) from a window's top-left corner, in floats
};

// The geometry of the input gradient of stride-1 `g` as a convolution: dz (OH,OW,Cout) in,
// dx (H,W,Cin) out.
ConvGeometry transposed_geometry(const ConvGeometry& g);
// flipped (KH,KW,Cout,Cin)[ky][kx][co][ci] = kernel (KH,KW,Cin,Cout)[KH-1-ky][KW-1-kx][ci][co].
void flip_transpose_kernel(const ConvGeometry& g, const float* kernel, float* flipped);

}  // namespace minidl::detail
