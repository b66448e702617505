#include <minidl/layers/detail/winograd.hpp>

#include <algorithm>
#include <cstring>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace minidl::detail {
namespace {

// The (tiles, Cin) x (Cin, Cout) products as a 1x1 convolution over a row of `tiles` pixels.
ConvGeometry product_geometry(const ConvGeometry& g, Index tiles) {
  ConvGeometry p{};
  p.h = 1, p.w = tiles, p.cin = g.cin;
  p.oh = 1, p.ow = tiles, p.cout = g.cout;
  p.kh = 1, p.kw = 1, p.sh = 1, p.sw = 1;
  p.pad_top = 0, p.pad_left = 0;
  return p;
}

Index tiles_along(Index out) {
  return (out + 1) / 2;
}

constexpr Index kLanes = 16;  // floats per AVX-512 vector; the transforms take 16 channels at once

}  // namespace

bool Winograd::suits(const ConvGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.cin % kLanes == 0 &&
         DirectConv::suits(product_geometry(g, tiles_along(g.oh) * tiles_along(g.ow)));
}

Winograd::Winograd(const ConvGeometry& g)
    : g_(g),
      tiles_h_(tiles_along(g.oh)),
      tiles_w_(tiles_along(g.ow)),
      tiles_(tiles_h_ * tiles_w_),
      padded_h_(2 * tiles_h_ + 2),
      padded_w_(2 * tiles_w_ + 2),
      product_(product_geometry(g, tiles_h_ * tiles_w_)) {}

Index Winograd::scratch_size() const {
  return padded_h_ * padded_w_ * g_.cin + 16 * tiles_ * (g_.cin + g_.cout);
}

void Winograd::transform_kernel(const float* kernel, float* u) const {
  const Index pairs = g_.cin * g_.cout;
  for (Index p = 0; p < pairs; ++p) {
    float k[3][3], t[4][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) k[i][j] = kernel[(i * 3 + j) * pairs + p];
    // t = G k, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
    for (int j = 0; j < 3; ++j) {
      t[0][j] = k[0][j];
      t[1][j] = 0.5f * (k[0][j] + k[1][j] + k[2][j]);
      t[2][j] = 0.5f * (k[0][j] - k[1][j] + k[2][j]);
      t[3][j] = k[2][j];
    }
    // u = t G^T
    for (int i = 0; i < 4; ++i) {
      u[(i * 4 + 0) * pairs + p] = t[i][0];
      u[(i * 4 + 1) * pairs + p] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
      u[(i * 4 + 2) * pairs + p] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
      u[(i * 4 + 3) * pairs + p] = t[i][2];
    }
  }
}

void Winograd::add_kernel_gradient_from(const float* du, float* dk) const {
  const Index pairs = g_.cin * g_.cout;
  for (Index p = 0; p < pairs; ++p) {
    float d[4][4], t[3][4];
    for (int e = 0; e < 16; ++e) d[e / 4][e % 4] = du[e * pairs + p];
    // The adjoint of u = G k G^T: dk = G^T d G. First t = G^T d (3x4).
    for (int j = 0; j < 4; ++j) {
      t[0][j] = d[0][j] + 0.5f * (d[1][j] + d[2][j]);
      t[1][j] = 0.5f * (d[1][j] - d[2][j]);
      t[2][j] = 0.5f * (d[1][j] + d[2][j]) + d[3][j];
    }
    for (int i = 0; i < 3; ++i) {
      dk[(i * 3 + 0) * pairs + p] += t[i][0] + 0.5f * (t[i][1] + t[i][2]);
      dk[(i * 3 + 1) * pairs + p] += 0.5f * (t[i][1] - t[i][2]);
      dk[(i * 3 + 2) * pairs + p] += 0.5f * (t[i][1] + t[i][2]) + t[i][3];
    }
  }
}

void Winograd::transform_input(const float* image, float* padded, float* v) const {
  const Index c = g_.cin;
  // Tiles past the image's last row or column read zeros, as padding does.
  std::memset(padded, 0, padded_h_ * padded_w_ * c * sizeof(float));
  const Index rows = std::min(g_.h, padded_h_ - g_.pad_top);
  const Index cols = std::min(g_.w, padded_w_ - g_.pad_left);
  for (Index iy = 0; iy < rows; ++iy) {
    std::memcpy(padded + ((iy + g_.pad_top) * padded_w_ + g_.pad_left) * c, image + iy * g_.w * c,
                cols * c * sizeof(float));
  }
#ifdef __AVX512F__
  const Index plane = tiles_ * c;  // floats of one of the 16 V matrices
  const Index row = padded_w_ * c;
  for (Index ty = 0; ty < tiles_h_; ++ty) {
    for (Index tx = 0; tx < tiles_w_; ++tx) {
      const float* d = padded + (2 * ty * padded_w_ + 2 * tx) * c;
      float* out = v + (ty * tiles_w_ + tx) * c;
      for (Index ch = 0; ch < c; ch += kLanes) {
        __m512 t[4][4];
        // t = B^T x, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
        for (int j = 0; j < 4; ++j) {
          const __m512 x0 = _mm512_loadu_ps(d + j * c + ch);
          const __m512 x1 = _mm512_loadu_ps(d + row + j * c + ch);
          const __m512 x2 = _mm512_loadu_ps(d + 2 * row + j * c + ch);
          const __m512 x3 = _mm512_loadu_ps(d + 3 * row + j * c + ch);
          t[0][j] = _mm512_sub_ps(x0, x2);
          t[1][j] = _mm512_add_ps(x1, x2);
          t[2][j] = _mm512_sub_ps(x2, x1);
          t[3][j] = _mm512_sub_ps(x1, x3);
        }
        // V = t B
        for (int i = 0; i < 4; ++i) {
          float* o = out + i * 4 * plane + ch;
          _mm512_storeu_ps(o, _mm512_sub_ps(t[i][0], t[i][2]));
          _mm512_storeu_ps(o + plane, _mm512_add_ps(t[i][1], t[i][2]));
          _mm512_storeu_ps(o + 2 * plane, _mm512_sub_ps(t[i][2], t[i][1]));
          _mm512_storeu_ps(o + 3 * plane, _mm512_sub_ps(t[i][1], t[i][3]));
        }
      }
    }
  }
#else
  (void)v;
#endif
}

void Winograd::forward(const float* image, const float* u, const float* bias, float* y,
                       float* scratch) const {
  float* padded = scratch;
  float* v = padded + padded_h_ * padded_w_ * g_.cin;
  float* m = v + 16 * tiles_ * g_.cin;
  transform_input(image, padded, v);
  const Index c = g_.cout;
  for (int e = 0; e < 16; ++e) {
    product_.forward(v + e * tiles_ * g_.cin, u + e * g_.cin * c, nullptr, m + e * tiles_ * c);
  }
#ifdef __AVX512F__
  const Index plane = tiles_ * c;
  for (Index ty = 0; ty < tiles_h_; ++ty) {
    for (Index tx = 0; tx < tiles_w_; ++tx) {
      const float* in = m + (ty * tiles_w_ + tx) * c;
      // The last row or column of blocks is cut when the output size is odd.
      const Index oy = 2 * ty, ox = 2 * tx;
      const bool second_row = oy + 1 < g_.oh, second_col = ox + 1 < g_.ow;
      float* out = y + (oy * g_.ow + ox) * c;
      for (Index ch = 0; ch < c; ch += kLanes) {
        __m512 s0[4], s1[4];
        // s = A^T m, A^T = [1 1 1 0; 0 1 -1 -1]; then Y = s A.
        for (int j = 0; j < 4; ++j) {
          const __m512 m0 = _mm512_loadu_ps(in + j * plane + ch);
          const __m512 m1 = _mm512_loadu_ps(in + (4 + j) * plane + ch);
          const __m512 m2 = _mm512_loadu_ps(in + (8 + j) * plane + ch);
          const __m512 m3 = _mm512_loadu_ps(in + (12 + j) * plane + ch);
          s0[j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
          s1[j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
        }
        const __m512 b = bias ? _mm512_loadu_ps(bias + ch) : _mm512_setzero_ps();
        auto left = [&](const __m512* r) {
          return _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r[0], r[1]), r[2]), b);
        };
        auto right = [&](const __m512* r) {
          return _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(r[1], r[2]), r[3]), b);
        };
        _mm512_storeu_ps(out + ch, left(s0));
        if (second_col) _mm512_storeu_ps(out + c + ch, right(s0));
        if (second_row) {
          _mm512_storeu_ps(out + g_.ow * c + ch, left(s1));
          if (second_col) _mm512_storeu_ps(out + (g_.ow + 1) * c + ch, right(s1));
        }
      }
    }
  }
#else
  (void)y, (void)bias;
#endif
}

void Winograd::add_transformed_gradient(const float* image, const float* dy, float* du,
                                        float* scratch) const {
  float* padded = scratch;
  float* v = padded + padded_h_ * padded_w_ * g_.cin;
  float* dm = v + 16 * tiles_ * g_.cin;
  transform_input(image, padded, v);
  const Index c = g_.cout, plane = tiles_ * c;
#ifdef __AVX512F__
  // dM = A dY A^T per tile (the adjoint of the output transform); outside the image dY is 0.
  for (Index ty = 0; ty < tiles_h_; ++ty) {
    for (Index tx = 0; tx < tiles_w_; ++tx) {
      const Index oy = 2 * ty, ox = 2 * tx;
      const bool second_row = oy + 1 < g_.oh, second_col = ox + 1 < g_.ow;
      const float* in = dy + (oy * g_.ow + ox) * c;
      float* out = dm + (ty * tiles_w_ + tx) * c;
      for (Index ch = 0; ch < c; ch += kLanes) {
        const __m512 zero = _mm512_setzero_ps();
        const __m512 d00 = _mm512_loadu_ps(in + ch);
        const __m512 d01 = second_col ? _mm512_loadu_ps(in + c + ch) : zero;
        const __m512 d10 = second_row ? _mm512_loadu_ps(in + g_.ow * c + ch) : zero;
        const __m512 d11 =
            second_row && second_col ? _mm512_loadu_ps(in + (g_.ow + 1) * c + ch) : zero;
        // t = A dY (4x2), A = [1 0; 1 1; 1 -1; 0 -1]; then dM = t A^T.
        const __m512 t[4][2] = {{d00, d01},
                                {_mm512_add_ps(d00, d10), _mm512_add_ps(d01, d11)},
                                {_mm512_sub_ps(d00, d10), _mm512_sub_ps(d01, d11)},
                                {_mm512_sub_ps(zero, d10), _mm512_sub_ps(zero, d11)}};
        for (int i = 0; i < 4; ++i) {
          float* o = out + i * 4 * plane + ch;
          _mm512_storeu_ps(o, t[i][0]);
          _mm512_storeu_ps(o + plane, _mm512_add_ps(t[i][0], t[i][1]));
          _mm512_storeu_ps(o + 2 * plane, _mm512_sub_ps(t[i][0], t[i][1]));
          _mm512_storeu_ps(o + 3 * plane, _mm512_sub_ps(zero, t[i][1]));
        }
      }
    }
  }
#else
  (void)dy;
#endif
  for (int e = 0; e < 16; ++e) {
    product_.add_kernel_gradient(v + e * tiles_ * g_.cin, dm + e * plane, du + e * g_.cin * c);
  }
}

}  // namespace minidl::detail
