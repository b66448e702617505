// Internal: direct convolution for layers with few input channels (an image model's first layer).
// There im2col's GEMM is thin (K = KH*KW*Cin: 27 for a 3x3 RGB kernel, 9 for grey images) and
// runs far below the GEMM's peak, and the column matrix is 9x the input. These loops do the same
// multiply-adds on a zero-padded copy of one image, with the accumulators held in AVX-512
// registers: one vector per 16 filters, several output pixels at a time.
// Only for stride 1 and filters in multiples of 16, on builds for AVX-512 (see suits()).
#pragma once

#include <vector>

#include <minidl/layers/conv_geometry.hpp>

namespace minidl::detail {

class DirectConv {
 public:
  // Whether this build has the direct path and it pays for `g`.
  static bool suits(const ConvGeometry& g);

  explicit DirectConv(const ConvGeometry& g);

  // Floats of one zero-padded image, (OH+KH-1, OW+KW-1, Cin).
  Index padded_size() const { return padded_h_ * padded_w_ * g_.cin; }
  // image (H,W,Cin) -> padded, with the layer's padding as zeros around it.
  void pad(const float* image, float* padded) const;
  // y (OH*OW, Cout) = padded (*) kernel (+ bias when not null), for one image.
  void forward(const float* padded, const float* kernel, const float* bias, float* y) const;
  // dk (taps, Cout) += sum over the output pixels p of window_p (taps) x dz_p (Cout), one image.
  void add_kernel_gradient(const float* padded, const float* dz, float* dk) const;

 private:
  ConvGeometry g_;
  Index padded_h_, padded_w_;
  std::vector<Index> tap_offsets_;  // tap (ky,kx,c) from a window's top-left corner, in floats
};

}  // namespace minidl::detail
