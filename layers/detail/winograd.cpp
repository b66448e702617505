#include <minidl/layers/detail/winograd.hpp>

#include <minidl/layers/detail/tile_products.hpp>

#include <algorithm>
#include <cstring>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/detail/window_maximum_avx512.hpp>
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

#ifdef MINIDL_X86_KERNELS
namespace {

// A tile's 4x4 input pixels: its rows in the image (null in the padding, or below the image in
// the tile rows that round the grid up to whole blocks) and which of its columns lie inside;
// pixels outside read as zeros.
struct TilePixels {
  const float* rows[4];
  bool col_in[4];
  Index first_col;  // floats from a row's start to the tile's first column
  Index channels;
};

TilePixels tile_pixels(const ConvGeometry& g, const float* image, Index ty, Index tx) {
  TilePixels p{};
  const Index iy0 = 2 * ty - g.pad_top, ix0 = 2 * tx - g.pad_left;
  for (int i = 0; i < 4; ++i) {
    const Index iy = iy0 + i, ix = ix0 + i;
    p.rows[i] = iy >= 0 && iy < g.h ? image + iy * g.w * g.cin : nullptr;
    p.col_in[i] = ix >= 0 && ix < g.w;
  }
  p.first_col = ix0 * g.cin;
  p.channels = g.cin;
  return p;
}

// Tile b's share (of `tiles`) of the cache lines of the image rows that the block of tile rows
// from `next_row` reads: the images come from L3, and the hardware prefetcher does not run ahead
// of a block's short rows.
void prefetch_share(const ConvGeometry& g, const float* image, Index next_row, Index block_rows,
                    Index tiles, Index b) {
  const Index y0 = std::max<Index>(0, 2 * next_row - g.pad_top);
  const Index y1 = std::min(g.h, 2 * (next_row + block_rows) - g.pad_top + 2);
  if (y0 >= y1) return;
  const char* begin = reinterpret_cast<const char*>(image + y0 * g.w * g.cin);
  const Index lines = ((y1 - y0) * g.w * g.cin * Index{sizeof(float)} + 63) / 64;
  const Index share = (lines + tiles - 1) / tiles;
  for (Index l = b * share; l < std::min(lines, (b + 1) * share); ++l) {
    __builtin_prefetch(begin + 64 * l);
  }
}

// A tile's 2x2 output gradients: where the first is, and which of the four lie in the image.
struct TileGradients {
  const float* first;  // null below the image
  Index row, col;      // floats from one row, and one column, to the next
  bool second_row, second_col;
};

TileGradients tile_gradients(const ConvGeometry& g, const float* dy, Index ty, Index tx) {
  const Index oy = 2 * ty, ox = 2 * tx;
  return {oy < g.oh ? dy + (oy * g.ow + ox) * g.cout : nullptr, g.ow * g.cout, g.cout,
          oy + 1 < g.oh, ox + 1 < g.ow};
}

}  // namespace

MINIDL_TARGET_AVX512
namespace {

// V = B^T x B of channels ch .. ch + 15 of a tile: plane e in v[e].
[[gnu::always_inline]] inline void input_tile(const TilePixels& p, Index ch, __m512 v[16]) {
  __m512 t[4][4];
  for (int j = 0; j < 4; ++j) {
    __m512 x[4];
    for (int i = 0; i < 4; ++i) {
      x[i] = p.rows[i] && p.col_in[j]
                 ? _mm512_loadu_ps(p.rows[i] + p.first_col + j * p.channels + ch)
                 : _mm512_setzero_ps();
    }
    // t = B^T x, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
    t[0][j] = _mm512_sub_ps(x[0], x[2]);
    t[1][j] = _mm512_add_ps(x[1], x[2]);
    t[2][j] = _mm512_sub_ps(x[2], x[1]);
    t[3][j] = _mm512_sub_ps(x[1], x[3]);
  }
  // V = t B
  for (int i = 0; i < 4; ++i) {
    v[4 * i] = _mm512_sub_ps(t[i][0], t[i][2]);
    v[4 * i + 1] = _mm512_add_ps(t[i][1], t[i][2]);
    v[4 * i + 2] = _mm512_sub_ps(t[i][2], t[i][1]);
    v[4 * i + 3] = _mm512_sub_ps(t[i][1], t[i][3]);
  }
}

// dM = A dY A^T of channels ch .. ch + 15 of a tile (the adjoint of the output transform);
// outside the image dY is 0.
[[gnu::always_inline]] inline void gradient_tile(const TileGradients& d, Index ch, __m512 m[16]) {
  const __m512 zero = _mm512_setzero_ps();
  const float* at = d.first ? d.first + ch : nullptr;  // second_row implies first
  const __m512 d00 = d.first ? _mm512_loadu_ps(at) : zero;
  const __m512 d01 = d.first && d.second_col ? _mm512_loadu_ps(at + d.col) : zero;
  const __m512 d10 = d.second_row ? _mm512_loadu_ps(at + d.row) : zero;
  const __m512 d11 = d.second_row && d.second_col ? _mm512_loadu_ps(at + d.row + d.col) : zero;
  // t = A dY (4x2), A = [1 0; 1 1; 1 -1; 0 -1]; then dM = t A^T.
  const __m512 t[4][2] = {{d00, d01},
                          {_mm512_add_ps(d00, d10), _mm512_add_ps(d01, d11)},
                          {_mm512_sub_ps(d00, d10), _mm512_sub_ps(d01, d11)},
                          {_mm512_sub_ps(zero, d10), _mm512_sub_ps(zero, d11)}};
  for (int i = 0; i < 4; ++i) {
    m[4 * i] = t[i][0];
    m[4 * i + 1] = _mm512_add_ps(t[i][0], t[i][1]);
    m[4 * i + 2] = _mm512_sub_ps(t[i][0], t[i][1]);
    m[4 * i + 3] = _mm512_sub_ps(zero, t[i][1]);
  }
}

}  // namespace

// Kernel transforms, 16 channel pairs (Cin, Cout) at a time: Cin is a multiple of 16 (suits()).
void Winograd::transform_kernel(const float* kernel, float* u) const {
  const Index pairs = g_.cin * g_.cout;
  const __m512 half = _mm512_set1_ps(0.5f);
  for (Index p = 0; p < pairs; p += kLanes) {
    __m512 k[3][3], t[4][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) k[i][j] = _mm512_loadu_ps(kernel + (i * 3 + j) * pairs + p);
    // t = G k, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
    for (int j = 0; j < 3; ++j) {
      t[0][j] = k[0][j];
      t[1][j] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(k[0][j], k[1][j]), k[2][j]));
      t[2][j] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(k[0][j], k[1][j]), k[2][j]));
      t[3][j] = k[2][j];
    }
    // u = t G^T
    for (int i = 0; i < 4; ++i) {
      const __m512 sum = _mm512_add_ps(_mm512_add_ps(t[i][0], t[i][1]), t[i][2]);
      const __m512 difference = _mm512_add_ps(_mm512_sub_ps(t[i][0], t[i][1]), t[i][2]);
      _mm512_storeu_ps(u + (i * 4 + 0) * pairs + p, t[i][0]);
      _mm512_storeu_ps(u + (i * 4 + 1) * pairs + p, _mm512_mul_ps(half, sum));
      _mm512_storeu_ps(u + (i * 4 + 2) * pairs + p, _mm512_mul_ps(half, difference));
      _mm512_storeu_ps(u + (i * 4 + 3) * pairs + p, t[i][2]);
    }
  }
}

void Winograd::add_kernel_gradient_from(const float* du, float* dk) const {
  const Index pairs = g_.cin * g_.cout;
  const __m512 half = _mm512_set1_ps(0.5f);
  for (Index p = 0; p < pairs; p += kLanes) {
    __m512 d[4][4], t[3][4];
    for (int e = 0; e < 16; ++e) d[e / 4][e % 4] = _mm512_loadu_ps(du + e * pairs + p);
    // The adjoint of u = G k G^T: dk = G^T d G. First t = G^T d (3x4).
    for (int j = 0; j < 4; ++j) {
      const __m512 middle = _mm512_mul_ps(half, _mm512_add_ps(d[1][j], d[2][j]));
      t[0][j] = _mm512_add_ps(d[0][j], middle);
      t[1][j] = _mm512_mul_ps(half, _mm512_sub_ps(d[1][j], d[2][j]));
      t[2][j] = _mm512_add_ps(middle, d[3][j]);
    }
    for (int i = 0; i < 3; ++i) {
      const __m512 middle = _mm512_mul_ps(half, _mm512_add_ps(t[i][1], t[i][2]));
      const __m512 row[3] = {_mm512_add_ps(t[i][0], middle),
                             _mm512_mul_ps(half, _mm512_sub_ps(t[i][1], t[i][2])),
                             _mm512_add_ps(middle, t[i][3])};
      for (int j = 0; j < 3; ++j) {
        float* to = dk + (i * 3 + j) * pairs + p;
        _mm512_storeu_ps(to, _mm512_add_ps(_mm512_loadu_ps(to), row[j]));
      }
    }
  }
}

// The loops keep what they need in locals: the stores may alias anything, members included, and
// the compiler would reload them after each one (which took most of the transforms' time).
void Winograd::transform_input(const float* image, Index first_row, const Planes& v) const {
  if (v.layout != PlaneLayout::float32) return transform_input_bf16(image, first_row, v);
  float* const to = static_cast<float*>(v.data);
  const Index plane = v.plane, c = g_.cin, tiles = block_tiles_, tiles_w = tiles_w_;
  for (Index b = 0; b < tiles; ++b) {
    prefetch_share(g_, image, first_row + block_rows_, block_rows_, tiles, b);
    const TilePixels p = tile_pixels(g_, image, first_row + b / tiles_w, b % tiles_w);
    for (Index ch = 0; ch < c; ch += kLanes) {
      __m512 x[16];
      input_tile(p, ch, x);
      for (int e = 0; e < 16; ++e) _mm512_storeu_ps(to + e * plane + b * c + ch, x[e]);
    }
  }
}

void Winograd::transform_gradient(const float* dy, Index first_row, const Planes& dm) const {
  if (dm.layout != PlaneLayout::float32) return transform_gradient_bf16(dy, first_row, dm);
  float* const to = static_cast<float*>(dm.data);
  const Index plane = dm.plane, c = g_.cout, tiles = block_tiles_, tiles_w = tiles_w_;
  for (Index b = 0; b < tiles; ++b) {
    const TileGradients d = tile_gradients(g_, dy, first_row + b / tiles_w, b % tiles_w);
    for (Index ch = 0; ch < c; ch += kLanes) {
      __m512 m[16];
      gradient_tile(d, ch, m);
      for (int e = 0; e < 16; ++e) _mm512_storeu_ps(to + e * plane + b * c + ch, m[e]);
    }
  }
}

namespace {

// Y = A^T m A (plus the bias) of one block's 16 channels from `ch` on, its 2x2 pixels in
// row-major order; m's 16 values lie a plane apart.
[[gnu::always_inline]] inline void output_block(const float* in, Index plane, Index ch, __m512 bias,
                                                __m512 (&y)[4]) {
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
  auto left = [&](const __m512* r) {
    return _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r[0], r[1]), r[2]), bias);
  };
  auto right = [&](const __m512* r) {
    return _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(r[1], r[2]), r[3]), bias);
  };
  y[0] = left(s0);
  y[1] = right(s0);
  y[2] = left(s1);
  y[3] = right(s1);
}

}  // namespace

void Winograd::transform_output(const float* m, Index first_row, const float* bias,
                                float* y) const {
  const Index c = g_.cout, plane = plane_size(c), oh = g_.oh, ow = g_.ow;
  const Index tiles = block_tiles_, tiles_w = tiles_w_;
  for (Index b = 0; b < tiles; ++b) {
    const Index oy = 2 * (first_row + b / tiles_w), ox = 2 * (b % tiles_w);
    if (oy >= oh) break;  // the rest of the block lies below the image
    // The last row or column of blocks is cut when the output size is odd.
    const bool second_row = oy + 1 < oh, second_col = ox + 1 < ow;
    const float* in = m + b * c;
    float* out = y + (oy * ow + ox) * c;
    for (Index ch = 0; ch < c; ch += kLanes) {
      __m512 block[4];
      output_block(in, plane, ch, bias ? _mm512_loadu_ps(bias + ch) : _mm512_setzero_ps(), block);
      _mm512_storeu_ps(out + ch, block[0]);
      if (second_col) _mm512_storeu_ps(out + c + ch, block[1]);
      if (second_row) {
        _mm512_storeu_ps(out + ow * c + ch, block[2]);
        if (second_col) _mm512_storeu_ps(out + (ow + 1) * c + ch, block[3]);
      }
    }
  }
}

void Winograd::transform_output_pooled(const float* m, Index first_row, const float* bias,
                                       const Pooling& pooling) const {
  const Index c = g_.cout, plane = plane_size(c), oh = g_.oh;
  const Index tiles = block_tiles_, tiles_w = tiles_w_;
  for (Index b = 0; b < tiles; ++b) {
    const Index window = first_row * tiles_w + b;
    if (2 * (window / tiles_w) >= oh) break;  // the rest of the block lies below the image
    const float* in = m + b * c;
    for (Index ch = 0; ch < c; ch += kLanes) {
      __m512 block[4];
      output_block(in, plane, ch, bias ? _mm512_loadu_ps(bias + ch) : _mm512_setzero_ps(), block);
      store_window_maximum(block, pooling.relu, pooling.values + window * c + ch,
                           pooling.windows ? pooling.windows + window * c + ch : nullptr);
    }
  }
}

MINIDL_TARGET_END

// The bfloat16 layouts round with VCVTNEPS2BF16 (round to nearest even, like to_bfloat16; it
// flushes subnormal floats to zero, far below bfloat16's error at the transforms' magnitudes): the
// products run on VDPBF16PS anyway, and the integer rounding took 8 instructions a vector.
MINIDL_TARGET_AVX512_BF16
namespace {

// One plane of a pair of tiles: the first's bfloat16 in the low half of each 32-bit lane, the
// second's in the high half.
[[gnu::always_inline]] inline __m512i tile_pair(__m512 first, __m512 second) {
  // cvtne2ps puts the first's 16 values, then the second's; interleave them.
  const __m512i ab = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(second, first));
  const __m512i interleave =
      _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                       21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(interleave, ab);
}

// Planes in pairs of tiles from a block of `tiles`: at(b) locates tile b, values(at(b), ch, v)
// computes its 16 planes of channels ch .. ch + 15. An odd block's last tile pairs with zeros.
template <class At, class Values>
void store_tile_pairs(const Planes& to, Index tiles, At at, Values values) {
  bfloat16* const base = static_cast<bfloat16*>(to.data);
  const Index plane = to.plane, c = to.channels;
  for (Index b = 0; b < tiles; b += 2) {
    const auto first = at(b);
    const bool pair = b + 1 < tiles;
    const auto second = pair ? at(b + 1) : first;
    for (Index ch = 0; ch < c; ch += kLanes) {
      __m512 x[16], y[16];
      values(first, ch, x);
      if (pair) {
        values(second, ch, y);
      } else {
        for (auto& v : y) v = _mm512_setzero_ps();
      }
      bfloat16* row = base + (b / 2 * c + ch) * 2;
      for (int e = 0; e < 16; ++e) _mm512_storeu_si512(row + e * plane, tile_pair(x[e], y[e]));
    }
  }
}

}  // namespace

void Winograd::transform_input_bf16(const float* image, Index first_row, const Planes& v) const {
  const Index tiles_w = tiles_w_;
  auto at = [&](Index b) {
    prefetch_share(g_, image, first_row + block_rows_, block_rows_, block_tiles_, b);
    return tile_pixels(g_, image, first_row + b / tiles_w, b % tiles_w);
  };
  if (v.layout == PlaneLayout::bf16_tile_pairs) {
    store_tile_pairs(v, block_tiles_, at,
                     [](const TilePixels& p, Index ch, __m512* x) { input_tile(p, ch, x); });
    return;
  }
  // Pairs of channels: a tile's 16 values of a plane side by side.
  bfloat16* const to = static_cast<bfloat16*>(v.data);
  const Index plane = v.plane, c = g_.cin, tiles = block_tiles_;
  for (Index b = 0; b < tiles; ++b) {
    const TilePixels p = at(b);
    for (Index ch = 0; ch < c; ch += kLanes) {
      __m512 x[16];
      input_tile(p, ch, x);
      for (int e = 0; e < 16; ++e) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + e * plane + b * c + ch),
                            reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x[e])));
      }
    }
  }
}

void Winograd::transform_gradient_bf16(const float* dy, Index first_row, const Planes& dm) const {
  const Index tiles_w = tiles_w_;
  store_tile_pairs(
      dm, block_tiles_,
      [&](Index b) { return tile_gradients(g_, dy, first_row + b / tiles_w, b % tiles_w); },
      [](const TileGradients& d, Index ch, __m512* m) { gradient_tile(d, ch, m); });
}

MINIDL_TARGET_END
#else  // suits() is false: never called

void Winograd::transform_kernel(const float*, float*) const {}
void Winograd::add_kernel_gradient_from(const float*, float*) const {}
void Winograd::transform_input(const float*, Index, const Planes&) const {}
void Winograd::transform_output(const float*, Index, const float*, float*) const {}
void Winograd::transform_output_pooled(const float*, Index, const float*, const Pooling&) const {}
void Winograd::transform_gradient(const float*, Index, const Planes&) const {}
void Winograd::transform_input_bf16(const float*, Index, const Planes&) const {}
void Winograd::transform_gradient_bf16(const float*, Index, const Planes&) const {}

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
  forward_blocks(image, bias, y, nullptr, scratch);
}

void Winograd::forward_pooled(const float* image, const float* bias, const Pooling& pooling,
                              float* scratch) const {
  forward_blocks(image, bias, nullptr, &pooling, scratch);
}

void Winograd::forward_blocks(const float* image, const float* bias, float* y,
                              const Pooling* pooling, float* scratch) const {
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
    if (pooling) {
      transform_output_pooled(m, first, bias, *pooling);
    } else {
      transform_output(m, first, bias, y);
    }
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
