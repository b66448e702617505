#include <minidl/layers/detail/bf16_conv.hpp>

#include <algorithm>

#include <minidl/core/detail/bf16_kernels.hpp>
#include <minidl/core/gemm_bf16.hpp>

namespace minidl::detail {
namespace {

// Buffers of the calling thread (layers run images on all threads at once), one per role,
// grown as needed.
enum class Role { image, left, right, output };
template <Role role, class T = bfloat16>
std::vector<T>& buffer(Index size) {
  static thread_local std::vector<T> buffer;
  if (Index(buffer.size()) < size) buffer.resize(size);
  return buffer;
}

constexpr Index kTileDepth = 32;

}  // namespace

Bf16Conv::Bf16Conv(const ConvGeometry& g)
    : g_(g),
      pixels_(g.oh * g.ow),
      padded_h_(std::max(g.h + g.pad_top, (g.oh - 1) * g.sh + g.kh)),
      padded_w_(std::max(g.w + g.pad_left, (g.ow - 1) * g.sw + g.kw)),
      // Few input channels would waste most of each tile on channel padding: im2col then.
      implicit_(g.sh == 1 && g.sw == 1 && g.cin >= 16 && bf16_kernel() == Bf16Kernel::amx),
      channels_(PackedProduct::round_up(g.cin, kTileDepth)),
      implicit_rows_(PackedProduct::round_up(g.oh * padded_w_, PackedProduct::kRowAlign)),
      // The last row's last tap reads this far past the padded image.
      implicit_pixels_(
          std::max(padded_h_ * padded_w_, implicit_rows_ + (g.kh - 1) * padded_w_ + g.kw - 1)) {
  for (Index ky = 0; ky < g.kh && implicit_; ++ky) {
    for (Index kx = 0; kx < g.kw; ++kx) {
      for (Index c = 0; c < channels_; c += kTileDepth) {
        steps_.push_back((ky * padded_w_ + kx) * channels_ + c);
      }
    }
  }
}

std::vector<bfloat16> Bf16Conv::pack_kernel(const float* kernel) const {
  const float* rows = kernel;  // (patch, Cout)
  Index depth = g_.patch();
  std::vector<float> spread;
  if (implicit_) {
    // Rows (ky,kx,c) with c up to channels_, zeros past Cin, as the tiles read the image.
    depth = g_.kh * g_.kw * channels_;
    spread.assign(depth * g_.cout, 0.0f);
    for (Index t = 0; t < g_.kh * g_.kw; ++t) {
      std::copy_n(kernel + t * g_.cin * g_.cout, g_.cin * g_.cout,
                  spread.begin() + t * channels_ * g_.cout);
    }
    rows = spread.data();
  }
  const PackedProduct p = PackedProduct::sized(pixels_, g_.cout, depth);
  std::vector<bfloat16> packed(p.depth * p.width);
  pack_b(false, rows, g_.cout, p, depth, 0, p.depth / 2, packed.data());
  return packed;
}

const bfloat16* Bf16Conv::pad_image(const float* image, Index channels, Index pixels) const {
  std::vector<bfloat16>& padded = buffer<Role::image>(pixels * channels);
  std::fill_n(padded.begin(), pixels * channels, bfloat16{});
  for (Index y = 0; y < g_.h; ++y) {
    for (Index x = 0; x < g_.w; ++x) {
      const float* from = image + (y * g_.w + x) * g_.cin;
      bfloat16* to = padded.data() + ((y + g_.pad_top) * padded_w_ + g_.pad_left + x) * channels;
      for (Index c = 0; c < g_.cin; ++c) to[c] = to_bfloat16(from[c]);
    }
  }
  return padded.data();
}

void Bf16Conv::forward_implicit(const float* image, const bfloat16* packed_kernel,
                                const float* bias, float* out) const {
  const Index width = PackedProduct::round_up(g_.cout, PackedProduct::kWidthAlign);
  std::vector<float>& rows = buffer<Role::output, float>(implicit_rows_ * width);
  const ImplicitProduct p{
      implicit_rows_, width,         pad_image(image, channels_, implicit_pixels_),
      channels_,      steps_.data(), Index(steps_.size()),
      packed_kernel};
  product_amx_implicit(p, rows.data());
  for (Index oy = 0; oy < g_.oh; ++oy) {
    for (Index ox = 0; ox < g_.ow; ++ox) {
      const float* from = rows.data() + (oy * padded_w_ + ox) * width;
      float* to = out + (oy * g_.ow + ox) * g_.cout;
      for (Index c = 0; c < g_.cout; ++c) to[c] = from[c] + (bias ? bias[c] : 0.0f);
    }
  }
}

const bfloat16* Bf16Conv::window(const bfloat16* padded, Index pixel) const {
  const Index oy = pixel / g_.ow, ox = pixel % g_.ow;
  return padded + (oy * g_.sh * padded_w_ + ox * g_.sw) * g_.cin;
}

// Row r: the window of output pixel r, taps ordered (ky,kx,c) like the kernel, zeros after.
void Bf16Conv::im2col_rows(const bfloat16* padded, const PackedProduct& p, bfloat16* rows) const {
  const Index run = g_.kw * g_.cin;
  for (Index r = 0; r < p.rows_padded(); ++r) {
    bfloat16* row = rows + r * p.depth;
    const bfloat16* from = r < pixels_ ? window(padded, r) : nullptr;
    for (Index ky = 0; ky < g_.kh && from; ++ky) {
      std::copy_n(from + ky * padded_w_ * g_.cin, run, row + ky * run);
    }
    std::fill(row + (r < pixels_ ? g_.patch() : 0), row + p.depth, bfloat16{});
  }
}

// Pair row q: pixels 2q and 2q+1 side by side, tap by tap (the packed right operand's layout).
void Bf16Conv::im2col_pairs(const bfloat16* padded, const PackedProduct& p, bfloat16* pairs) const {
  const Index run = g_.kw * g_.cin;
  for (Index q = 0; q < p.depth / 2; ++q) {
    bfloat16* row = pairs + q * p.width * 2;
    if (2 * q >= pixels_) {
      std::fill(row, row + 2 * p.width, bfloat16{});
      continue;
    }
    const bool odd = 2 * q + 1 < pixels_;
    const bfloat16* even_window = window(padded, 2 * q);
    const bfloat16* odd_window = odd ? window(padded, 2 * q + 1) : even_window;
    for (Index ky = 0; ky < g_.kh; ++ky) {
      const bfloat16* first = even_window + ky * padded_w_ * g_.cin;
      const bfloat16* second = odd_window + ky * padded_w_ * g_.cin;
      bfloat16* out = row + 2 * ky * run;
      for (Index i = 0; i < run; ++i) {
        out[2 * i] = first[i];
        out[2 * i + 1] = odd ? second[i] : bfloat16{};
      }
    }
    std::fill(row + 2 * g_.patch(), row + 2 * p.width, bfloat16{});
  }
}

void Bf16Conv::forward_image(const float* image, const bfloat16* packed_kernel, const float* bias,
                             float* out) const {
  if (implicit_) return forward_implicit(image, packed_kernel, bias, out);
  PackedProduct p = PackedProduct::sized(pixels_, g_.cout, g_.patch());
  p.b = packed_kernel;
  std::vector<bfloat16>& rows = buffer<Role::left>(p.rows_padded() * p.depth);
  im2col_rows(pad_image(image, g_.cin, padded_h_ * padded_w_), p, rows.data());
  p.a = rows.data();
  multiply_packed(p, out, g_.cout, false);
  if (!bias) return;
  for (Index r = 0; r < pixels_; ++r) {
    float* o = out + r * g_.cout;
    for (Index c = 0; c < g_.cout; ++c) o[c] += bias[c];
  }
}

void Bf16Conv::add_kernel_gradient(const float* image, const float* dz, float* gradient_t) const {
  PackedProduct p = PackedProduct::sized(g_.cout, g_.patch(), pixels_);
  std::vector<bfloat16>& left = buffer<Role::left>(p.rows_padded() * p.depth);
  pack_a(true, dz, g_.cout, p, pixels_, 0, p.rows_padded(), left.data());
  std::vector<bfloat16>& right = buffer<Role::right>(p.depth * p.width);
  im2col_pairs(pad_image(image, g_.cin, padded_h_ * padded_w_), p, right.data());
  p.a = left.data();
  p.b = right.data();
  multiply_packed(p, gradient_t, g_.patch(), true);
}

void Bf16Conv::add_transposed(const float* gradient_t, float* kernel_gradient) const {
  for (Index t = 0; t < g_.patch(); ++t) {
    for (Index c = 0; c < g_.cout; ++c)
      kernel_gradient[t * g_.cout + c] += gradient_t[c * g_.patch() + t];
  }
}

}  // namespace minidl::detail
