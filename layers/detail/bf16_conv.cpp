#include <minidl/layers/detail/bf16_conv.hpp>

#include <algorithm>

#include <minidl/core/detail/bf16_kernels.hpp>
#include <minidl/core/gemm_bf16.hpp>

namespace minidl::detail {
namespace {

// Buffers of the calling thread (layers run images on all threads at once), one per role,
// grown as needed.
enum class Role { image, right, output };
template <Role role, class T = bfloat16>
AlignedVector<T>& buffer(Index size) {
  static thread_local AlignedVector<T> buffer;
  if (Index(buffer.size()) < size) buffer.resize(size);
  return buffer;
}

constexpr Index kStep = PackedProduct::kDepthAlign;  // the values one K-step reads

}  // namespace

Bf16Conv::Bf16Conv(const ConvGeometry& g)
    : g_(g),
      plane_w_((std::max(g.w + g.pad_left, (g.ow - 1) * g.sw + g.kw) + g.sw - 1) / g.sw),
      phase_size_((std::max(g.h + g.pad_top, (g.oh - 1) * g.sh + g.kh) + g.sh - 1) / g.sh *
                  plane_w_),
      phases_(g.sh * g.sw),
      rows_(PackedProduct::round_up(g.oh * plane_w_, PackedProduct::kRowAlign)),
      width_(PackedProduct::round_up(g.cout, PackedProduct::kWidthAlign)),
      channels_(PackedProduct::round_up(g.cin, PackedProduct::kRowAlign)),
      depth_(PackedProduct::round_up(g.oh * plane_w_, kStep)) {
  // Forward: the taps of row ky in phase column px are kx = px, px + SW, ...: side by side in the
  // phase, each with its Cin channels, so 32 values at a time cover several of them when Cin is
  // small. Values past the run belong to the next pixels; the kernel's rows for them are zero.
  Index furthest = 0;
  for (Index ky = 0; ky < g.kh; ++ky) {
    for (Index px = 0; px < std::min(g.sw, g.kw); ++px) {
      const Index start = (phase(ky, px) * phase_size_ + position(ky, 0)) * g.cin;
      const Index run = (g.kw - px + g.sw - 1) / g.sw * g.cin;
      for (Index first = 0; first < run; first += kStep) {
        forward_steps_.push_back(start + first);
        step_taps_.push_back({ky, px, first, run});
        furthest = std::max(furthest, start + first);
      }
    }
  }
  for (Index r = 0; r < rows_; r += 16) forward_strips_.push_back(r * g.cin);
  image_size_ = std::max(phases_ * phase_size_ * g.cin, furthest + (rows_ - 1) * g.cin + kStep);

  // Kernel gradient: tap (ky, kx) of slot d lies at (ky / SH) * plane_w + kx / SW + d in its
  // phase's planes; each plane holds one channel.
  plane_size_ = std::max(phase_size_, depth_ + position(g.kh - 1, g.kw - 1));
  for (Index ky = 0; ky < g.kh; ++ky) {
    for (Index kx = 0; kx < g.kw; ++kx) {
      for (Index c = 0; c < channels_; c += 16) {
        gradient_strips_.push_back((phase(ky, kx) * channels_ + c) * plane_size_ +
                                   position(ky, kx));
      }
    }
  }
  for (Index d = 0; d < depth_; d += kStep) gradient_steps_.push_back(d);

  for (Index s = 0; s < Index(step_taps_.size()); ++s) {
    const StepTaps& taps = step_taps_[s];
    forward_dot_steps_.push_back(
        {forward_steps_[s], s * kStep / 2, (std::min(kStep, taps.run - taps.first) + 1) / 2});
  }
  for (Index oy = 0; oy < g.oh; ++oy) {
    for (Index ox = 0; ox < g.ow; ++ox) {
      pixel_rows_.push_back((oy * plane_w_ + ox) * g.cin);
      pixel_out_rows_.push_back((oy * g.ow + ox) * g.cout);
    }
  }
  for (Index ky = 0; ky < g.kh; ++ky) {
    for (Index kx = 0; kx < g.kw; ++kx) {
      for (Index c = 0; c < g.cin; ++c) {
        tap_rows_.push_back((phase(ky, kx) * channels_ + c) * plane_size_ + position(ky, kx));
        tap_out_rows_.push_back(((ky * g.kw + kx) * channels_ + c) * width_);
      }
    }
  }
  for (Index wy = 0; wy < g.oh / 2; ++wy) {
    for (Index wx = 0; wx < g.ow / 2; ++wx) {
      for (Index k = 0; k < 4; ++k) {
        window_rows_.push_back(((2 * wy + k / 2) * plane_w_ + 2 * wx + k % 2) * g.cin);
      }
      window_out_rows_.push_back((wy * (g.ow / 2) + wx) * g.cout);
    }
  }
  row_pairs_ = (g.ow + 1) / 2;
  for (Index oy = 0; oy < g.oh; ++oy) {
    gradient_dot_steps_.push_back({oy * plane_w_, oy * row_pairs_, row_pairs_});
  }
}

Index Bf16Conv::phase(Index y, Index x) const {
  return (y % g_.sh) * g_.sw + x % g_.sw;
}

Index Bf16Conv::position(Index y, Index x) const {
  return (y / g_.sh) * plane_w_ + x / g_.sw;
}

AlignedVector<bfloat16> Bf16Conv::pack_kernel(const float* kernel) const {
  // Row (s, i): the kernel's row for value first + i of step s's run, or zeros.
  const Index depth = kStep * Index(step_taps_.size());
  std::vector<float> spread(depth * g_.cout, 0.0f);
  for (Index s = 0; s < Index(step_taps_.size()); ++s) {
    const auto [ky, px, first, run] = step_taps_[s];
    for (Index v = first; v < std::min(run, first + kStep); ++v) {
      const Index kx = px + v / g_.cin * g_.sw, c = v % g_.cin;
      std::copy_n(kernel + ((ky * g_.kw + kx) * g_.cin + c) * g_.cout, g_.cout,
                  spread.begin() + (s * kStep + v - first) * g_.cout);
    }
  }
  const PackedProduct p = PackedProduct::sized(rows_, g_.cout, depth);
  AlignedVector<bfloat16> packed(p.depth * p.width);
  pack_b(spread.data(), g_.cout, p, depth, 0, p.depth / 2, packed.data());
  return packed;
}

const bfloat16* Bf16Conv::pixel_major(const float* image) const {
  AlignedVector<bfloat16>& padded = buffer<Role::image>(image_size_);
  std::fill_n(padded.begin(), image_size_, bfloat16{});
  auto to = [&](Index iy, Index ix) {
    const Index y = iy + g_.pad_top, x = ix + g_.pad_left;
    return padded.data() + (phase(y, x) * phase_size_ + position(y, x)) * g_.cin;
  };
  for (Index iy = 0; iy < g_.h; ++iy) {
    const float* row = image + iy * g_.w * g_.cin;
    if (g_.sw == 1) {
      to_bfloat16(row, g_.w * g_.cin, to(iy, 0));
      continue;
    }
    for (Index ix = 0; ix < g_.w; ++ix) to_bfloat16(row + ix * g_.cin, g_.cin, to(iy, ix));
  }
  return padded.data();
}

const bfloat16* Bf16Conv::channel_major(const float* image) const {
  const Index size = phases_ * channels_ * plane_size_;
  AlignedVector<bfloat16>& planes = buffer<Role::image>(size);
  // Channels past Cin only feed the gradient's padding rows, which are dropped: left as they are.
  for (Index p = 0; p < phases_; ++p) {
    std::fill_n(planes.begin() + p * channels_ * plane_size_, g_.cin * plane_size_, bfloat16{});
  }
  // Column by column of each row's phases: the pixels of one phase lie side by side in a plane.
  for (Index iy = 0; iy < g_.h; ++iy) {
    const Index y = iy + g_.pad_top;
    for (Index ix0 = 0; ix0 < std::min(g_.sw, g_.w); ++ix0) {
      const Index x = ix0 + g_.pad_left;
      bfloat16* to = planes.data() + phase(y, x) * channels_ * plane_size_ + position(y, x);
      const float* from = image + (iy * g_.w + ix0) * g_.cin;
      const Index count = (g_.w - ix0 + g_.sw - 1) / g_.sw, step = g_.sw * g_.cin;
      for (Index c = 0; c < g_.cin; ++c) {
        for (Index k = 0; k < count; ++k) to[c * plane_size_ + k] = to_bfloat16(from[k * step + c]);
      }
    }
  }
  return planes.data();
}

void Bf16Conv::forward_image(const float* image, const bfloat16* packed_kernel, const float* bias,
                             bool relu, float* out) const {
  if (bf16_kernel() != Bf16Kernel::amx) {
    return dot(
        forward_product(image, packed_kernel, pixel_rows_, pixel_out_rows_, bias, relu, out));
  }
  AlignedVector<float>& slots = buffer<Role::output, float>(rows_ * width_);
  const ImplicitProduct p{rows_,
                          width_,
                          pixel_major(image),
                          forward_strips_.data(),
                          g_.cin,
                          forward_steps_.data(),
                          Index(forward_steps_.size()),
                          packed_kernel};
  product_amx_implicit(p, slots.data(), false);
  for (Index oy = 0; oy < g_.oh; ++oy) {
    for (Index ox = 0; ox < g_.ow; ++ox) {
      const float* from = slots.data() + (oy * plane_w_ + ox) * width_;
      float* to = out + (oy * g_.ow + ox) * g_.cout;
      for (Index c = 0; c < g_.cout; ++c) to[c] = from[c] + (bias ? bias[c] : 0.0f);
      if (!relu) continue;
      for (Index c = 0; c < g_.cout; ++c) to[c] = std::max(to[c], 0.0f);
    }
  }
}

DotProduct Bf16Conv::forward_product(const float* image, const bfloat16* packed_kernel,
                                     const std::vector<Index>& rows,
                                     const std::vector<Index>& out_rows, const float* bias,
                                     bool relu, float* out) const {
  DotProduct p{pixel_major(image),
               rows.data(),
               Index(rows.size()),
               forward_dot_steps_.data(),
               Index(forward_dot_steps_.size()),
               packed_kernel,
               width_,
               out,
               out_rows.data(),
               g_.cout};
  p.bias = bias;
  p.relu = relu;
  return p;
}

void Bf16Conv::forward_image_pooled(const float* image, const bfloat16* packed_kernel,
                                    const float* bias, bool relu, float* pooled,
                                    std::uint8_t* windows) const {
  DotProduct p =
      forward_product(image, packed_kernel, window_rows_, window_out_rows_, bias, relu, pooled);
  p.pooled = true;
  p.windows = windows;
  dot(p);
}

Shape Bf16Conv::gradient_shape() const {
  return Shape{g_.kh * g_.kw * channels_, width_};
}

void Bf16Conv::add_kernel_gradient(const float* image, const float* dz, float* gradient) const {
  if (bf16_kernel() != Bf16Kernel::amx) {
    // dz's pairs of neighbouring pixels of each output row (the last one alone when OW is odd).
    AlignedVector<bfloat16>& pairs = buffer<Role::right>(dz_pairs_size());
    for (Index oy = 0; oy < g_.oh; ++oy) {
      for (Index q = 0; q < row_pairs_; ++q) {
        const float* even = dz + (oy * g_.ow + 2 * q) * g_.cout;
        bfloat16* row = pairs.data() + (oy * row_pairs_ + q) * width_ * 2;
        pack_pair_row(even, 2 * q + 1 < g_.ow ? even + g_.cout : nullptr, g_.cout, row);
        std::fill(row + 2 * g_.cout, row + 2 * width_, bfloat16{});
      }
    }
    return add_kernel_gradient(image, pairs.data(), gradient);
  }
  // dz's pairs of slots, packed as the right operand; slots past a row's OW hold zeros.
  AlignedVector<bfloat16>& pairs = buffer<Role::right>(depth_ * width_);
  auto slot = [&](Index d) {
    const Index oy = d / plane_w_, ox = d % plane_w_;
    return oy < g_.oh && ox < g_.ow ? dz + (oy * g_.ow + ox) * g_.cout : nullptr;
  };
  for (Index q = 0; q < depth_ / 2; ++q) {
    bfloat16* row = pairs.data() + q * width_ * 2;
    pack_pair_row(slot(2 * q), slot(2 * q + 1), g_.cout, row);
    std::fill(row + 2 * g_.cout, row + 2 * width_, bfloat16{});
  }
  const ImplicitProduct p{g_.kh * g_.kw * channels_,     width_,      channel_major(image),
                          gradient_strips_.data(),       plane_size_, gradient_steps_.data(),
                          Index(gradient_steps_.size()), pairs.data()};
  product_amx_implicit(p, gradient, true);
}

void Bf16Conv::add_kernel_gradient(const float* image, const bfloat16* dz_pairs,
                                   float* gradient) const {
  DotProduct p{channel_major(image),
               tap_rows_.data(),
               Index(tap_rows_.size()),
               gradient_dot_steps_.data(),
               Index(gradient_dot_steps_.size()),
               dz_pairs,
               width_,
               gradient,
               tap_out_rows_.data(),
               g_.cout};
  p.accumulate = true;
  dot(p);
}

void Bf16Conv::add_unpadded(const float* gradient, float* kernel_gradient) const {
  for (Index t = 0; t < g_.kh * g_.kw; ++t) {
    for (Index c = 0; c < g_.cin; ++c) {
      const float* from = gradient + (t * channels_ + c) * width_;
      float* to = kernel_gradient + (t * g_.cin + c) * g_.cout;
      for (Index o = 0; o < g_.cout; ++o) to[o] += from[o];
    }
  }
}

}  // namespace minidl::detail
