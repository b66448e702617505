#include <minidl/layers/detail/winograd.hpp>

#include <minidl/layers/detail/tile_products.hpp>

#include <algorithm>
#include <cstring>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/bf16_round_avx512.hpp>
#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/gemm_bf16.hpp>

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

// The transforms are AVX-512 only (suits()), 16 channels at once.
constexpr Index kLanes = 16;
// Tiles transformed, multiplied and transformed back together: their V and products stay in
// L1/L2 between the three steps. Whole images (256 tiles of ResNet-20's first stage, 512 KB of V
// and products) spilled and took longer than the direct loops.
constexpr Index kBlockTiles = 32;
// A tile's 16 values go to 16 planes; planes a multiple of 4 KB apart (32 tiles of 32 or 64
// channels: 4 or 8 KB) would all fall in one set of L1's, whose 8 ways cannot hold them. A cache
// line between planes spreads them over 16 sets (32 -> 64 channels at 16x16, 64 images, one Zen 4
// thread, float32: forward 3.8-3.9 -> 3.2-3.4 ms, kernel gradient 4.4 -> 3.3-3.8 ms).
constexpr Index kPlanePad = 16;

}  // namespace

bool Winograd::suits(const ConvGeometry& g) {
  return kernel_isa() == Isa::avx512 && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 &&
         g.cin % kLanes == 0 && DirectConv::suits(product_geometry(g, kBlockTiles));
}

bool Winograd::suits_bf16(const ConvGeometry& g) {
  return suits(g) && has_tile_products(g.cin, g.cout) && bf16_kernel() == Bf16Kernel::avx512_bf16;
}

// The tile grid is rounded up to whole blocks of rows; tiles below the image read zero padding
// and their outputs are dropped.
Winograd::Winograd(const ConvGeometry& g, bool bf16_products)
    : g_(g),
      tiles_w_(tiles_along(g.ow)),
      block_rows_(std::min(tiles_along(g.oh), std::max<Index>(1, kBlockTiles / tiles_w_))),
      tiles_h_((tiles_along(g.oh) + block_rows_ - 1) / block_rows_ * block_rows_),
      block_tiles_(block_rows_ * tiles_w_),
      product_(product_geometry(g, block_tiles_)),
      fixed_products_(!bf16_products && has_tile_products(g.cin, g.cout)),
      bf16_products_(bf16_products) {}

Index Winograd::plane_size(Index channels) const {
  return block_tiles_ * channels + kPlanePad;
}

Index Winograd::scratch_size() const {
  return 16 * (plane_size(g_.cin) + plane_size(g_.cout));
}

void Winograd::set_kernel(const float* kernel) {
  u_ = Tensor(Shape{transformed_kernel_size()});
  transform_kernel(kernel, u_.data());
  if (!bf16_products_) return;
  const Index pairs = g_.cin / 2;  // suits_bf16(): 32 or 64
  u_bf16_.resize(transformed_kernel_size());
  for (Index e = 0; e < 16; ++e) {
    const float* ue = u_.data() + e * g_.cin * g_.cout;
    for (Index q = 0; q < pairs; ++q) {
      pack_pair_row(ue + 2 * q * g_.cout, ue + (2 * q + 1) * g_.cout, g_.cout,
                    u_bf16_.data() + (e * pairs + q) * g_.cout * 2);
    }
  }
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

#ifdef MINIDL_X86_KERNELS
MINIDL_TARGET_AVX512

namespace {

// Value x of tile `tile`, channels ch .. ch + 15, into plane e of `to`. Inlined, so that the
// layout's switch is decided once per loop (as a call it took 4% of a float32 training step).
[[gnu::always_inline]] inline void put(const Planes& to, int e, Index tile, Index ch, __m512 x) {
  switch (to.layout) {
    case PlaneLayout::float32:
      _mm512_storeu_ps(static_cast<float*>(to.data) + e * to.plane + tile * to.channels + ch, x);
      return;
    case PlaneLayout::bf16_channel_pairs: {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<bfloat16*>(to.data) +
                                                     e * to.plane + tile * to.channels + ch),
                          rounded_values(x));
      return;
    }
    case PlaneLayout::bf16_tile_pairs: {
      // Tile 2p's value in the low half of each 32-bit lane of pair row p, 2p + 1's in the high.
      const __m512i upper = rounded_upper_halves(_mm512_castps_si512(x));
      bfloat16* row =
          static_cast<bfloat16*>(to.data) + e * to.plane + (tile / 2 * to.channels + ch) * 2;
      if (tile % 2 == 0) {
        _mm512_mask_storeu_epi16(row, 0x55555555u, _mm512_srli_epi32(upper, 16));
      } else {
        _mm512_mask_storeu_epi16(row, 0xaaaaaaaau, upper);
      }
      return;
    }
  }
}

}  // namespace

// An odd block's last pair of tiles is completed with zeros.
void Winograd::complete_pairs(const Planes& to) const {
  if (to.layout != PlaneLayout::bf16_tile_pairs || block_tiles_ % 2 == 0) return;
  for (int e = 0; e < 16; ++e) {
    for (Index ch = 0; ch < to.channels; ch += kLanes) {
      put(to, e, block_tiles_, ch, _mm512_setzero_ps());
    }
  }
}

void Winograd::transform_input(const float* image, Index first_row, const Planes& v) const {
  const Index c = g_.cin;
  const __m512 zero = _mm512_setzero_ps();
  for (Index b = 0; b < block_tiles_; ++b) {
    const Index ty = first_row + b / tiles_w_, tx = b % tiles_w_;
    // The tile's 4x4 input pixels in the image; those in the padding (or below the image, for
    // the tile rows that round the grid up) read as zeros.
    const Index iy0 = 2 * ty - g_.pad_top, ix0 = 2 * tx - g_.pad_left;
    const float* rows[4];
    bool col_in[4];
    for (int i = 0; i < 4; ++i) {
      const Index iy = iy0 + i, ix = ix0 + i;
      rows[i] = iy >= 0 && iy < g_.h ? image + iy * g_.w * c : nullptr;
      col_in[i] = ix >= 0 && ix < g_.w;
    }
    for (Index ch = 0; ch < c; ch += kLanes) {
      auto at = [&](int i, int j) {
        return rows[i] && col_in[j] ? _mm512_loadu_ps(rows[i] + (ix0 + j) * c + ch) : zero;
      };
      __m512 t[4][4];
      // t = B^T x, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
      for (int j = 0; j < 4; ++j) {
        const __m512 x0 = at(0, j), x1 = at(1, j), x2 = at(2, j), x3 = at(3, j);
        t[0][j] = _mm512_sub_ps(x0, x2);
        t[1][j] = _mm512_add_ps(x1, x2);
        t[2][j] = _mm512_sub_ps(x2, x1);
        t[3][j] = _mm512_sub_ps(x1, x3);
      }
      // V = t B
      for (int i = 0; i < 4; ++i) {
        put(v, 4 * i, b, ch, _mm512_sub_ps(t[i][0], t[i][2]));
        put(v, 4 * i + 1, b, ch, _mm512_add_ps(t[i][1], t[i][2]));
        put(v, 4 * i + 2, b, ch, _mm512_sub_ps(t[i][2], t[i][1]));
        put(v, 4 * i + 3, b, ch, _mm512_sub_ps(t[i][1], t[i][3]));
      }
    }
  }
  complete_pairs(v);
}

void Winograd::transform_output(const float* m, Index first_row, const float* bias,
                                float* y) const {
  const Index c = g_.cout, plane = plane_size(c);
  for (Index b = 0; b < block_tiles_; ++b) {
    const Index oy = 2 * (first_row + b / tiles_w_), ox = 2 * (b % tiles_w_);
    if (oy >= g_.oh) break;  // the rest of the block lies below the image
    // The last row or column of blocks is cut when the output size is odd.
    const bool second_row = oy + 1 < g_.oh, second_col = ox + 1 < g_.ow;
    const float* in = m + b * c;
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
      const __m512 bv = bias ? _mm512_loadu_ps(bias + ch) : _mm512_setzero_ps();
      auto left = [&](const __m512* r) {
        return _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r[0], r[1]), r[2]), bv);
      };
      auto right = [&](const __m512* r) {
        return _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(r[1], r[2]), r[3]), bv);
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

// dM = A dY A^T per tile (the adjoint of the output transform); outside the image dY is 0.
void Winograd::transform_gradient(const float* dy, Index first_row, const Planes& dm) const {
  const Index c = g_.cout;
  const __m512 zero = _mm512_setzero_ps();
  for (Index b = 0; b < block_tiles_; ++b) {
    const Index oy = 2 * (first_row + b / tiles_w_), ox = 2 * (b % tiles_w_);
    const bool first_row_in = oy < g_.oh;
    const bool second_row = oy + 1 < g_.oh, second_col = ox + 1 < g_.ow;
    const float* in = dy + (oy * g_.ow + ox) * c;
    for (Index ch = 0; ch < c; ch += kLanes) {
      const __m512 d00 = first_row_in ? _mm512_loadu_ps(in + ch) : zero;
      const __m512 d01 = first_row_in && second_col ? _mm512_loadu_ps(in + c + ch) : zero;
      const __m512 d10 = second_row ? _mm512_loadu_ps(in + g_.ow * c + ch) : zero;
      const __m512 d11 =
          second_row && second_col ? _mm512_loadu_ps(in + (g_.ow + 1) * c + ch) : zero;
      // t = A dY (4x2), A = [1 0; 1 1; 1 -1; 0 -1]; then dM = t A^T.
      const __m512 t[4][2] = {{d00, d01},
                              {_mm512_add_ps(d00, d10), _mm512_add_ps(d01, d11)},
                              {_mm512_sub_ps(d00, d10), _mm512_sub_ps(d01, d11)},
                              {_mm512_sub_ps(zero, d10), _mm512_sub_ps(zero, d11)}};
      for (int i = 0; i < 4; ++i) {
        put(dm, 4 * i, b, ch, t[i][0]);
        put(dm, 4 * i + 1, b, ch, _mm512_add_ps(t[i][0], t[i][1]));
        put(dm, 4 * i + 2, b, ch, _mm512_sub_ps(t[i][0], t[i][1]));
        put(dm, 4 * i + 3, b, ch, _mm512_sub_ps(zero, t[i][1]));
      }
    }
  }
  complete_pairs(dm);
}

MINIDL_TARGET_END
#else  // suits() is false: never called

void Winograd::transform_input(const float*, Index, const Planes&) const {}
void Winograd::transform_output(const float*, Index, const float*, float*) const {}
void Winograd::transform_gradient(const float*, Index, const Planes&) const {}

#endif

Index Winograd::bf16_plane_size(Index channels) const {
  return (block_tiles_ + 1) / 2 * 2 * channels + kPlanePad * 2;
}

Planes Winograd::planes(float* data, Index channels, PlaneLayout layout) const {
  const Index plane =
      layout == PlaneLayout::float32 ? plane_size(channels) : bf16_plane_size(channels);
  return {data, layout, plane, channels};
}

// Scratch: V, then M or dM, each in 16 float32 planes' room (bfloat16 planes take less).
void Winograd::forward(const float* image, const float* bias, float* y, float* scratch) const {
  const Planes v = planes(scratch, g_.cin,
                          bf16_products_ ? PlaneLayout::bf16_channel_pairs : PlaneLayout::float32);
  float* m = scratch + 16 * plane_size(g_.cin);
  const Index m_plane = plane_size(g_.cout);
  for (Index first = 0; first < tiles_h_; first += block_rows_) {
    transform_input(image, first, v);
    for (int e = 0; e < 16; ++e) {
      const Index u_plane = e * g_.cin * g_.cout;
      float* me = m + e * m_plane;
      if (bf16_products_) {
        tile_products_bf16(g_.cin, g_.cout, block_tiles_,
                           static_cast<const bfloat16*>(v.data) + e * v.plane,
                           u_bf16_.data() + u_plane, me);
      } else if (fixed_products_) {
        tile_products(g_.cin, g_.cout, block_tiles_, scratch + e * v.plane, u_.data() + u_plane,
                      me);
      } else {
        product_.forward(scratch + e * v.plane, u_.data() + u_plane, nullptr, me);
      }
    }
    transform_output(m, first, bias, y);
  }
}

void Winograd::add_transformed_gradient(const float* image, const float* dy, float* du,
                                        float* scratch) const {
  // bfloat16 products sum over pairs of tiles.
  const PlaneLayout layout = bf16_products_ ? PlaneLayout::bf16_tile_pairs : PlaneLayout::float32;
  const Planes v = planes(scratch, g_.cin, layout);
  const Planes dm = planes(scratch + 16 * plane_size(g_.cin), g_.cout, layout);
  for (Index first = 0; first < tiles_h_; first += block_rows_) {
    transform_input(image, first, v);
    transform_gradient(dy, first, dm);
    for (int e = 0; e < 16; ++e) {
      float* due = du + e * g_.cin * g_.cout;
      if (bf16_products_) {
        add_tile_gradients_bf16(g_.cin, g_.cout, (block_tiles_ + 1) / 2,
                                static_cast<const bfloat16*>(v.data) + e * v.plane,
                                static_cast<const bfloat16*>(dm.data) + e * dm.plane, due);
        continue;
      }
      const float* ve = static_cast<const float*>(v.data) + e * v.plane;
      const float* dme = static_cast<const float*>(dm.data) + e * dm.plane;
      if (fixed_products_) {
        add_tile_gradients(g_.cin, g_.cout, block_tiles_, ve, dme, due);
      } else {
        product_.add_kernel_gradient(ve, dme, due);
      }
    }
  }
}

}  // namespace minidl::detail
