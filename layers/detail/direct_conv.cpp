#include <minidl/layers/detail/direct_conv.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/detail/window_maximum_avx512.hpp>

namespace minidl::detail {
namespace {

#ifdef MINIDL_X86_KERNELS

MINIDL_TARGET_AVX512
namespace avx512 {

using Vec = __m512;
constexpr Index kLanes = 16;  // floats per vector: the filters one accumulator holds
inline Vec load(const float* p) {
  return _mm512_loadu_ps(p);
}
inline void store(float* p, Vec v) {
  _mm512_storeu_ps(p, v);
}
inline Vec broadcast(float x) {
  return _mm512_set1_ps(x);
}
inline Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm512_fmadd_ps(a, b, c);
}
inline Vec add(Vec a, Vec b) {
  return _mm512_add_ps(a, b);
}
inline Vec zero() {
  return _mm512_setzero_ps();
}

// Accumulators held in registers: 32 vector registers, a few kept for the operands.
// Forward: P output pixels x V filter vectors. Kernel gradient: G taps x V filter vectors.
// All filters (up to 4 vectors) in one tile.
constexpr Index kMaxBlockVectors = 4;
constexpr Index block_vectors(Index vectors) {
  return vectors;
}
constexpr int pixels_per_step(Index vectors) {
  return vectors == 1 ? 16 : vectors == 2 ? 8 : vectors == 3 ? 6 : 4;
}
constexpr int taps_per_group(Index vectors) {
  return vectors <= 2 ? 8 : 4;
}

#include "direct_loops.inc"

// Sliding windows, for 16 filters (one vector), 3-wide kernels and horizontal stride 1. The
// loops above load one input value per multiply-add, which bounds them at half the FMA peak
// when there is only one filter vector to reuse it for. Here an input value, broadcast once,
// serves the three taps of its kernel row in three neighbouring output pixels: the output
// pixels of a segment (forward) or the taps of a kernel row (kernel gradient) stay in registers.
constexpr int kSegment = 16;  // output pixels along a row per step of the sliding loops
constexpr int kRowTaps = 3;   // kernel width
constexpr int kLastInput = kSegment + kRowTaps - 2;  // a segment's last input pixel
// Input channels per step: the forward holds kRowTaps x this many weight vectors in registers, the
// kernel gradient as many accumulators. An image's 1 or 3 channels are taken at once.
constexpr int forward_channels(int cin) {
  return cin % 2 == 0 ? 2 : cin;
}
constexpr int gradient_channels(int cin) {
  return cin % 8 == 0 ? 8 : cin;
}

// out (16 pixels, 16 filters) = bias + `rows` window rows times kernel (rows, 3, CIN, 16). The
// segment's first input pixel in its first row is x[first]; rows are row_floats apart. Where the
// segment's first (left_out) or last (right_out) input column lies outside an unpadded image,
// that column is skipped: it would read padding zeros.
template <int CIN>
void slide_forward_segment(const float* x, Index first, Index row_floats, Index rows,
                           const float* kernel, const float* bias, bool left_out, bool right_out,
                           float* out) {
  constexpr int CB = forward_channels(CIN);
  __m512 acc[kSegment];
  const __m512 b = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int p = 0; p < kSegment; ++p) acc[p] = b;
  for (Index r = 0; r < rows; ++r) {
    const Index row = first + r * row_floats;
    const float* k = kernel + r * kRowTaps * CIN * kLanes;
    for (int c0 = 0; c0 < CIN; c0 += CB) {
      __m512 w[kRowTaps][CB];
#pragma GCC unroll 4
      for (int kx = 0; kx < kRowTaps; ++kx) {
#pragma GCC unroll 8
        for (int c = 0; c < CB; ++c) {
          w[kx][c] = _mm512_loadu_ps(k + (kx * CIN + c0 + c) * kLanes);
        }
      }
#pragma GCC unroll 8
      for (int c = 0; c < CB; ++c) {
        // Input pixel ix feeds output pixel ix - kx through tap kx.
#pragma GCC unroll 32
        for (int ix = 0; ix < kSegment + kRowTaps - 1; ++ix) {
          if ((ix == 0 && left_out) || (ix == kLastInput && right_out)) continue;
          const __m512 xv = _mm512_set1_ps(x[row + ix * CIN + c0 + c]);
#pragma GCC unroll 4
          for (int kx = 0; kx < kRowTaps; ++kx) {
            const int p = ix - kx;
            if (p >= 0 && p < kSegment) acc[p] = _mm512_fmadd_ps(xv, w[kx][c], acc[p]);
          }
        }
      }
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < kSegment; ++p) _mm512_storeu_ps(out + p * kLanes, acc[p]);
}

// The segments of one image, read from the image itself: window rows outside it are left out,
// and so is a column outside it at either end of a segment. A 3-wide kernel with stride 1 pads
// at most one column on either side ('same'; 'valid' none).
template <int CIN>
void slide_forward_unpadded(const ConvGeometry& g, const float* image, const float* kernel,
                            const float* bias, float* y) {
  const Index row_floats = g.w * CIN;
  for (Index oy = 0; oy < g.oh; ++oy) {
    const Index top = oy * g.sh - g.pad_top;  // the image row of kernel row 0
    const Index ky_begin = std::max<Index>(0, -top), ky_end = std::min(g.kh, g.h - top);
    const Index rows = std::max<Index>(0, ky_end - ky_begin);
    const float* k = kernel + ky_begin * kRowTaps * CIN * kLanes;
    for (Index ox = 0; ox < g.ow; ox += kSegment) {
      const Index left = ox - g.pad_left;  // the image column of the segment's first input pixel
      const Index first = (top + ky_begin) * row_floats + left * CIN;
      slide_forward_segment<CIN>(image, first, row_floats, rows, k, bias, left < 0,
                                 left + kLastInput >= g.w, y + (oy * g.ow + ox) * kLanes);
    }
  }
}

// dk (ky, 3 taps, gradient_channels(CIN) channels from c0, 16) += the sum over output pixels of
// window value x dz, read from the image itself (no padded copy): rows outside it are left out,
// and so is a column outside it at either end of a segment. Input pixel ix of a segment meets dz
// of output pixel ix - kx through tap kx.
template <int CIN>
void slide_kernel_gradient_rows(const ConvGeometry& g, const float* image, const float* dz,
                                Index ky, Index c0, float* dk) {
  constexpr int CB = gradient_channels(CIN);
  __m512 acc[kRowTaps][CB];
#pragma GCC unroll 4
  for (int kx = 0; kx < kRowTaps; ++kx) {
#pragma GCC unroll 8
    for (int c = 0; c < CB; ++c) acc[kx][c] = _mm512_setzero_ps();
  }
  for (Index oy = 0; oy < g.oh; ++oy) {
    const Index iy = oy * g.sh - g.pad_top + ky;
    if (iy < 0 || iy >= g.h) continue;
    const float* grad = dz + oy * g.ow * kLanes;
    for (Index ox = 0; ox < g.ow; ox += kSegment) {
      const Index left = ox - g.pad_left;  // the image column of the segment's first input pixel
      const bool left_out = left < 0, right_out = left + kLastInput >= g.w;
      const Index first = (iy * g.w + left) * CIN + c0;
      const float* d = grad + ox * kLanes;
      __m512 dv[kSegment];
#pragma GCC unroll 32
      for (int ix = 0; ix < kSegment + kRowTaps - 1; ++ix) {
        if (ix < kSegment) dv[ix] = _mm512_loadu_ps(d + ix * kLanes);
#pragma GCC unroll 8
        for (int c = 0; c < CB; ++c) {
          if ((ix == 0 && left_out) || (ix == kLastInput && right_out)) continue;
          const __m512 xv = _mm512_set1_ps(image[first + ix * CIN + c]);
#pragma GCC unroll 4
          for (int kx = 0; kx < kRowTaps; ++kx) {
            const int p = ix - kx;
            if (p >= 0 && p < kSegment) acc[kx][c] = _mm512_fmadd_ps(xv, dv[p], acc[kx][c]);
          }
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int kx = 0; kx < kRowTaps; ++kx) {
#pragma GCC unroll 8
    for (int c = 0; c < CB; ++c) {
      float* dst = dk + ((ky * kRowTaps + kx) * CIN + c0 + c) * kLanes;
      _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), acc[kx][c]));
    }
  }
}

template <int CIN>
void slide_kernel_gradient_image(const ConvGeometry& g, const float* image, const float* dz,
                                 float* dk) {
  for (Index ky = 0; ky < g.kh; ++ky) {
    for (Index c0 = 0; c0 < CIN; c0 += gradient_channels(CIN)) {
      slide_kernel_gradient_rows<CIN>(g, image, dz, ky, c0, dk);
    }
  }
}

// forward_pixels' product for W 2x2 windows (4 W pixels, window by window in row-major order),
// then each window's maximum after bias and ReLU: stored with its record as max_pool_2x2 stores
// them. Windows start 2 * step floats apart; a window's second row lies `down` floats below.
template <int V, int W>
void forward_windows(const float* window, Index step, Index down, const Index* offsets, Index taps,
                     const float* kernel, Index cout, const float* bias, bool rectify, float* out,
                     std::uint8_t* records) {
  constexpr int P = 4 * W;
  Index pixel[P];
  for (int p = 0; p < P; ++p) pixel[p] = (2 * (p / 4) + p % 2) * step + (p % 4 / 2) * down;
  __m512 acc[P][V];
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) {
    const __m512 b = bias ? _mm512_loadu_ps(bias + v * kLanes) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) acc[p][v] = b;
  }
  for (Index t = 0; t < taps; ++t) {
    const float* x = window + offsets[t];
    __m512 w[V];
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) w[v] = _mm512_loadu_ps(kernel + t * cout + v * kLanes);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const __m512 xp = _mm512_set1_ps(x[pixel[p]]);
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v) acc[p][v] = _mm512_fmadd_ps(xp, w[v], acc[p][v]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < W; ++i) {
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) {
      const __m512 pixels[4] = {acc[4 * i][v], acc[4 * i + 1][v], acc[4 * i + 2][v],
                                acc[4 * i + 3][v]};
      store_window_maximum(pixels, rectify, out + i * cout + v * kLanes,
                           records ? records + i * cout + v * kLanes : nullptr);
    }
  }
}

// 16 accumulators: 4 windows of one filter vector, 2 of two, 1 of three or four.
constexpr int windows_per_step(int vectors) {
  return vectors == 1 ? 4 : vectors == 2 ? 2 : 1;
}

template <int V>
void forward_pooled_image(const ConvGeometry& g, Index padded_w, const Index* offsets,
                          const float* padded, const float* kernel, const float* bias, bool rectify,
                          float* pooled, std::uint8_t* records) {
  constexpr int W = windows_per_step(V);
  const Index taps = g.patch(), step = g.sw * g.cin, down = g.sh * padded_w * g.cin;
  const Index across = g.ow / 2, full = across - across % W;
  for (Index f = 0; f < g.cout; f += V * kLanes) {
    const float* k = kernel + f;
    const float* b = bias ? bias + f : nullptr;
    for (Index wy = 0; wy < g.oh / 2; ++wy) {
      const float* row = padded + 2 * wy * down;
      float* out = pooled + wy * across * g.cout + f;
      std::uint8_t* r = records ? records + (out - pooled) : nullptr;
      // Steps of W windows, then the row's last windows one at a time.
      Index wx = 0;
      for (; wx < full; wx += W) {
        forward_windows<V, W>(row + 2 * wx * step, step, down, offsets, taps, k, g.cout, b, rectify,
                              out + wx * g.cout, r ? r + wx * g.cout : nullptr);
      }
      for (; wx < across; ++wx) {
        forward_windows<V, 1>(row + 2 * wx * step, step, down, offsets, taps, k, g.cout, b, rectify,
                              out + wx * g.cout, r ? r + wx * g.cout : nullptr);
      }
    }
  }
}

void forward_pooled(const ConvGeometry& g, Index row_w, const Index* offsets, const float* prepared,
                    const float* kernel, const float* bias, bool rectify, float* pooled,
                    std::uint8_t* records) {
  switch (g.cout / kLanes) {
    case 1:
      return forward_pooled_image<1>(g, row_w, offsets, prepared, kernel, bias, rectify, pooled,
                                     records);
    case 2:
      return forward_pooled_image<2>(g, row_w, offsets, prepared, kernel, bias, rectify, pooled,
                                     records);
    case 3:
      return forward_pooled_image<3>(g, row_w, offsets, prepared, kernel, bias, rectify, pooled,
                                     records);
    default:
      return forward_pooled_image<4>(g, row_w, offsets, prepared, kernel, bias, rectify, pooled,
                                     records);
  }
}

void forward(const ConvGeometry& g, bool slides, Index row_w, const Index* offsets,
             const float* prepared, const float* kernel, const float* bias, float* y) {
  if (!slides) return forward_tiled(g, row_w, offsets, prepared, kernel, bias, y);
  switch (g.cin) {
    case 1:
      return slide_forward_unpadded<1>(g, prepared, kernel, bias, y);
    case 3:
      return slide_forward_unpadded<3>(g, prepared, kernel, bias, y);
    case 16:
      return slide_forward_unpadded<16>(g, prepared, kernel, bias, y);
    case 32:
      return slide_forward_unpadded<32>(g, prepared, kernel, bias, y);
    default:
      return slide_forward_unpadded<64>(g, prepared, kernel, bias, y);
  }
}

void add_kernel_gradient(const ConvGeometry& g, bool slides, Index row_w, const Index* offsets,
                         const float* prepared, const float* dz, float* dk) {
  if (!slides) return add_kernel_gradient_tiled(g, row_w, offsets, prepared, dz, dk);
  switch (g.cin) {
    case 1:
      return slide_kernel_gradient_image<1>(g, prepared, dz, dk);
    case 3:
      return slide_kernel_gradient_image<3>(g, prepared, dz, dk);
    case 16:
      return slide_kernel_gradient_image<16>(g, prepared, dz, dk);
    case 32:
      return slide_kernel_gradient_image<32>(g, prepared, dz, dk);
    default:
      return slide_kernel_gradient_image<64>(g, prepared, dz, dk);
  }
}

}  // namespace avx512
MINIDL_TARGET_END

MINIDL_TARGET_AVX2
namespace avx2 {

using Vec = __m256;
constexpr Index kLanes = 8;
inline Vec load(const float* p) {
  return _mm256_loadu_ps(p);
}
inline void store(float* p, Vec v) {
  _mm256_storeu_ps(p, v);
}
inline Vec broadcast(float x) {
  return _mm256_set1_ps(x);
}
inline Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm256_fmadd_ps(a, b, c);
}
inline Vec add(Vec a, Vec b) {
  return _mm256_add_ps(a, b);
}
inline Vec zero() {
  return _mm256_setzero_ps();
}

// 16 vector registers: a tile takes 16 filters (2 vectors) or 8, their weights (or dz) in
// registers, one for the broadcast input value, and 6 pixels (or taps) x 2 accumulators. Wider
// tiles would hold fewer pixels and reload the weights for each: measured slower than im2col +
// GEMM for 64 filters.
constexpr Index kMaxBlockVectors = 2;
constexpr Index block_vectors(Index vectors) {
  return vectors % 2 == 0 ? 2 : 1;
}
constexpr int pixels_per_step(Index vectors) {
  return vectors == 1 ? 8 : 6;
}
constexpr int taps_per_group(Index vectors) {
  return vectors == 1 ? 8 : 6;
}

#include "direct_loops.inc"

}  // namespace avx2
MINIDL_TARGET_END

#endif  // MINIDL_X86_KERNELS

}  // namespace

bool DirectConv::suits(const ConvGeometry& g) {
#ifdef MINIDL_X86_KERNELS
  switch (kernel_isa()) {
    case Isa::avx512:
      return avx512::suits(g);
    case Isa::avx2:
      return avx2::suits(g);
    case Isa::portable:
      break;
  }
#endif
  (void)g;
  return false;
}

bool DirectConv::slides(const ConvGeometry& g) {
#ifdef MINIDL_X86_KERNELS
  return kernel_isa() == Isa::avx512 && g.cout == avx512::kLanes && g.kw == avx512::kRowTaps &&
         g.sw == 1 && g.ow % avx512::kSegment == 0 &&
         (g.cin == 1 || g.cin == 3 || g.cin == 16 || g.cin == 32 || g.cin == 64);
#else
  (void)g;
  return false;
#endif
}

DirectConv::DirectConv(const ConvGeometry& g)
    : g_(g),
      isa_(kernel_isa()),
      padded_h_((g.oh - 1) * g.sh + g.kh),
      padded_w_((g.ow - 1) * g.sw + g.kw),
      slides_(slides(g)),
      // Without padding and with every window inside the image (e.g. 1x1 stride 2), the loops
      // read the image itself, its rows w pixels apart.
      reads_image_(g.pad_top == 0 && g.pad_left == 0 && padded_h_ <= g.h && padded_w_ <= g.w),
      row_w_(reads_image_ ? g.w : padded_w_) {
  if (!suits(g)) throw std::logic_error("DirectConv: geometry not supported (see suits())");
  for (Index ky = 0; ky < g.kh; ++ky) {
    for (Index i = 0; i < g.kw * g.cin; ++i) tap_offsets_.push_back(ky * row_w_ * g.cin + i);
  }
}

void DirectConv::pad(const float* image, float* padded) const {
  // The windows may not reach the last rows or columns of the input (stride 2 'valid'), so only
  // what lies inside the padded extent is copied.
  std::memset(padded, 0, padded_size() * sizeof(float));
  const Index rows = std::min(g_.h, padded_h_ - g_.pad_top);
  const Index cols = std::min(g_.w, padded_w_ - g_.pad_left);
  for (Index iy = 0; iy < rows; ++iy) {
    std::memcpy(padded + ((iy + g_.pad_top) * padded_w_ + g_.pad_left) * g_.cin,
                image + iy * g_.w * g_.cin, cols * g_.cin * sizeof(float));
  }
}

void DirectConv::forward(const float* prepared, const float* kernel, const float* bias,
                         float* y) const {
#ifdef MINIDL_X86_KERNELS
  const Index* offsets = tap_offsets_.data();
  if (isa_ == Isa::avx512) {
    return avx512::forward(g_, slides_, row_w_, offsets, prepared, kernel, bias, y);
  }
  avx2::forward_tiled(g_, row_w_, offsets, prepared, kernel, bias, y);
#else
  (void)prepared, (void)kernel, (void)bias, (void)y;
#endif
}

void DirectConv::forward_image(const float* image, const float* kernel, const float* bias, float* y,
                               float* scratch) const {
  forward(prepare(image, scratch), kernel, bias, y);
}

const float* DirectConv::prepare(const float* image, float* scratch) const {
  if (reads_image_ || slides_) return image;
  pad(image, scratch);
  return scratch;
}

bool DirectConv::pools() const {
  return isa_ == Isa::avx512 && !slides_ && g_.oh % 2 == 0 && g_.ow % 2 == 0;
}

void DirectConv::forward_image_pooled(const float* image, const float* kernel, const float* bias,
                                      bool relu, float* pooled, std::uint8_t* windows,
                                      float* scratch) const {
  if (!pools()) throw std::logic_error("DirectConv: pooled forward not supported (see pools())");
#ifdef MINIDL_X86_KERNELS
  avx512::forward_pooled(g_, row_w_, tap_offsets_.data(), prepare(image, scratch), kernel, bias,
                         relu, pooled, windows);
#else
  (void)image, (void)kernel, (void)bias, (void)relu, (void)pooled, (void)windows, (void)scratch;
#endif
}

void DirectConv::add_kernel_gradient(const float* prepared, const float* dz, float* dk) const {
#ifdef MINIDL_X86_KERNELS
  const Index* offsets = tap_offsets_.data();
  if (isa_ == Isa::avx512) {
    return avx512::add_kernel_gradient(g_, slides_, row_w_, offsets, prepared, dz, dk);
  }
  avx2::add_kernel_gradient_tiled(g_, row_w_, offsets, prepared, dz, dk);
#else
  (void)prepared, (void)dz, (void)dk;
#endif
}

ConvGeometry transposed_geometry(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.h = g.oh, t.w = g.ow, t.cin = g.cout;
  t.oh = g.h, t.ow = g.w, t.cout = g.cin;
  t.pad_top = g.kh - 1 - g.pad_top;
  t.pad_left = g.kw - 1 - g.pad_left;
  return t;
}

void flip_transpose_kernel(const ConvGeometry& g, const float* kernel, float* flipped) {
  for (Index ky = 0; ky < g.kh; ++ky) {
    for (Index kx = 0; kx < g.kw; ++kx) {
      const float* src = kernel + ((g.kh - 1 - ky) * g.kw + (g.kw - 1 - kx)) * g.cin * g.cout;
      float* dst = flipped + (ky * g.kw + kx) * g.cout * g.cin;
      for (Index ci = 0; ci < g.cin; ++ci) {
        for (Index co = 0; co < g.cout; ++co) dst[co * g.cin + ci] = src[ci * g.cout + co];
      }
    }
  }
}

}  // namespace minidl::detail
