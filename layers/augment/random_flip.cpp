#include <minidl/layers/augment/random_flip.hpp>

#include <algorithm>
#include <cstdint>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/error.hpp>

namespace minidl {

namespace {

// out = the w pixels of c channels of `in` in reverse order.
template <int C>
void reverse_pixels(const float* __restrict in, float* __restrict out, Index w, Index c_runtime) {
  const Index c = C ? C : c_runtime;
  for (Index x = 0; x < w; ++x) {
    const float* src = in + (w - 1 - x) * c;
    for (Index k = 0; k < c; ++k) out[x * c + k] = src[k];
  }
}

#ifdef MINIDL_X86_KERNELS
MINIDL_TARGET_AVX512
// RGB rows 16 pixels (three vectors) at a time: each output vector gathers its 16 floats from at
// most three input vectors by register permutations, which runs at the speed of a copy; the
// element loop above moves one float per instruction, 2.5x slower.
void reverse_rgb_pixels_avx512(const float* __restrict in, float* __restrict out, Index w) {
  // Output float j of a block of 16 pixels reads input float source(j) of the mirrored block.
  alignas(64) std::int32_t source[48];
  for (int j = 0; j < 48; ++j) source[j] = (15 - j / 3) * 3 + j % 3;
  const __m512i from16 = _mm512_set1_epi32(16), from32 = _mm512_set1_epi32(32);
  // The first output vector reads input floats 30..47, the last 0..17, the middle one 15..32.
  const __m512i first = _mm512_sub_epi32(_mm512_load_si512(source), from16);
  const __m512i middle = _mm512_load_si512(source + 16);
  const __mmask16 middle_high = _mm512_cmpge_epi32_mask(middle, from32);
  const __m512i middle_from_32 = _mm512_sub_epi32(middle, from32);
  const __m512i last = _mm512_load_si512(source + 32);
  Index x = 0;
  for (; x + 16 <= w; x += 16) {
    const float* src = in + (w - x - 16) * 3;
    const __m512 a0 = _mm512_loadu_ps(src), a1 = _mm512_loadu_ps(src + 16),
                 a2 = _mm512_loadu_ps(src + 32);
    __m512 o1 = _mm512_permutex2var_ps(a0, middle, a1);
    o1 = _mm512_mask_permutexvar_ps(o1, middle_high, middle_from_32, a2);
    _mm512_storeu_ps(out + x * 3, _mm512_permutex2var_ps(a1, first, a2));
    _mm512_storeu_ps(out + x * 3 + 16, o1);
    _mm512_storeu_ps(out + x * 3 + 32, _mm512_permutex2var_ps(a0, last, a1));
  }
  // The first w - x pixels of the input, mirrored, finish the row.
  reverse_pixels<3>(in, out + x * 3, w - x, 3);
}
MINIDL_TARGET_END
#endif

void reverse_rgb_pixels(const float* in, float* out, Index w) {
#ifdef MINIDL_X86_KERNELS
  if (kernel_isa() == Isa::avx512) return reverse_rgb_pixels_avx512(in, out, w);
#endif
  reverse_pixels<3>(in, out, w, 3);
}

}  // namespace

void flip_image(const float* in, float* out, Index h, Index w, Index c, bool horizontal,
                bool vertical) {
  if (!horizontal && !vertical) {
    std::copy(in, in + h * w * c, out);
    return;
  }
  for (Index y = 0; y < h; ++y) {
    const float* src_row = in + (vertical ? h - 1 - y : y) * w * c;
    float* dst_row = out + y * w * c;
    if (!horizontal) {
      std::copy(src_row, src_row + w * c, dst_row);
    } else if (c == 3) {
      reverse_rgb_pixels(src_row, dst_row, w);
    } else if (c == 1) {
      reverse_pixels<1>(src_row, dst_row, w, 1);  // a reversed copy, which compilers vectorise
    } else {
      reverse_pixels<0>(src_row, dst_row, w, c);
    }
  }
}

RandomFlip::RandomFlip(const std::string& mode, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      horizontal_(mode == "horizontal" || mode == "horizontal_and_vertical"),
      vertical_(mode == "vertical" || mode == "horizontal_and_vertical") {
  if (!horizontal_ && !vertical_) {
    throw Error("RandomFlip: unknown mode '" + mode +
                "', expected 'horizontal', 'vertical' or 'horizontal_and_vertical'");
  }
}

void RandomFlip::draw(Index n, const SampleStreams& streams) {
  flips_.resize(n);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    flips_[i].horizontal = horizontal_ && rng.uniform() < 0.5f;
    flips_[i].vertical = vertical_ && rng.uniform() < 0.5f;
  }
}

void RandomFlip::transform(Index i, const float* in, float* out) const {
  flip_image(in, out, height(), width(), channels(), flips_[i].horizontal, flips_[i].vertical);
}

void RandomFlip::transform_mask(Index i, const float* in, float* out, float) const {
  flip_image(in, out, height(), width(), 1, flips_[i].horizontal, flips_[i].vertical);
}

void RandomFlip::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  const float w = float(width()), h = float(height());
  for (auto& b : boxes) {
    if (flips_[i].horizontal) b = {w - b[2], b[1], w - b[0], b[3]};
    if (flips_[i].vertical) b = {b[0], h - b[3], b[2], h - b[1]};
  }
}

Json RandomFlip::get_config() const {
  return {{"mode", horizontal_ && vertical_ ? "horizontal_and_vertical"
                   : horizontal_            ? "horizontal"
                                            : "vertical"}};
}

RandomFlip RandomFlip::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return RandomFlip(config.string("mode", "horizontal_and_vertical"), config.seed());
}

}  // namespace minidl
