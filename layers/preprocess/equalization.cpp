#include <minidl/layers/preprocess/equalization.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/detail/isa_target.hpp>
#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/preprocess/image_operation.hpp>

namespace minidl {

namespace {

// Channel k's table from bin to equalised value into lookup[k * bins ...]; returns which
// channels stay as they are: those whose values fill one bin (their tables are left unset).
std::vector<bool> equalising_tables(const std::uint32_t* histogram, Index pixels, Index c, int bins,
                                    const ValueRange& range, float* lookup) {
  std::vector<bool> unchanged(static_cast<std::size_t>(c), false);
  for (Index k = 0; k < c; ++k) {
    const std::uint32_t* counts = &histogram[std::size_t(k * bins)];
    if (std::count_if(counts, counts + bins, [](std::uint32_t n) { return n > 0; }) <= 1) {
      unchanged[std::size_t(k)] = true;
      continue;
    }
    float* table = lookup + k * bins;
    Index cdf = 0, cdf_min = -1;
    for (int b = 0; b < bins; ++b) {
      cdf += counts[b];
      if (cdf_min < 0 && cdf > 0) cdf_min = cdf;
      const double scaled =
          double(cdf - cdf_min) * 255.0 / double(std::max<Index>(pixels - cdf_min, 1));
      table[b] = from_unit(
          static_cast<float>(std::clamp(std::nearbyint(scaled), 0.0, 255.0)) / 255.0f, range);
    }
  }
  return unchanged;
}

// Counts pixel p's bin of channel k into histogram[k * bins + bin] of `even` or `odd` by the
// parity of p: runs of equal values (flat regions) would otherwise make every increment wait for
// the previous one. C channels (0: c at run time), so that RGB's inner loop unrolls.
template <int C>
void count_bins(const std::uint8_t* bin, Index pixels, Index c_runtime, int bins,
                std::uint32_t* even, std::uint32_t* odd) {
  const Index c = C ? C : c_runtime;
  Index p = 0;
  for (; p + 1 < pixels; p += 2) {
    const std::uint8_t* b = bin + p * c;
    for (Index k = 0; k < c; ++k) {
      ++even[k * bins + b[k]];
      ++odd[k * bins + b[c + k]];
    }
  }
  for (; p < pixels; ++p) {
    for (Index k = 0; k < c; ++k) ++even[k * bins + bin[p * c + k]];
  }
}

#ifdef MINIDL_X86_KERNELS
MINIDL_TARGET_AVX512

// bin[i] = the bin of in[i] as below, 16 at a time (the clamped value is not negative, so the
// truncating conversion is its floor). Returns how many it did.
Index bin_bytes_avx512(const float* in, Index size, float low, float last, float scale,
                       std::uint8_t* bin) {
  const __m512 vlow = _mm512_set1_ps(low), vlast = _mm512_set1_ps(last),
               vscale = _mm512_set1_ps(scale), zero = _mm512_setzero_ps();
  Index i = 0;
  for (; i + 16 <= size; i += 16) {
    const __m512 x = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(in + i), vlow), vscale);
    // max returns its second operand when the first is NaN: NaN goes to bin 0, as below.
    const __m512 clamped = _mm512_min_ps(_mm512_max_ps(x, zero), vlast);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(bin + i),
                     _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(clamped)));
  }
  return i;
}

// out[i] = lookup[(i % 3) * bins + bin[i]] for RGB: 16 values per gather, the channel offsets
// repeating every 3 vectors. Returns how many values it did (whole groups of 48).
Index lookup_rgb_avx512(const std::uint8_t* bin, const float* lookup, int bins, Index size,
                        float* out) {
  __m512i offsets[3];
  for (int m = 0; m < 3; ++m) {
    alignas(64) std::int32_t lanes[16];
    for (int l = 0; l < 16; ++l) lanes[l] = ((16 * m + l) % 3) * bins;
    offsets[m] = _mm512_load_si512(lanes);
  }
  Index i = 0;
  for (; i + 48 <= size; i += 48) {
    for (int m = 0; m < 3; ++m) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bin + i + 16 * m));
      const __m512i index = _mm512_add_epi32(_mm512_cvtepu8_epi32(bytes), offsets[m]);
      _mm512_storeu_ps(out + i + 16 * m, _mm512_i32gather_ps(index, lookup, 4));
    }
  }
  return i;
}

MINIDL_TARGET_END
#endif  // MINIDL_X86_KERNELS

// The vector loops above where the CPU has them; the callers finish what they leave.
Index bin_bytes(const float* in, Index size, float low, float last, float scale,
                std::uint8_t* bin) {
#ifdef MINIDL_X86_KERNELS
  if (kernel_isa() == Isa::avx512) return bin_bytes_avx512(in, size, low, last, scale, bin);
#endif
  (void)in, (void)size, (void)low, (void)last, (void)scale, (void)bin;
  return 0;
}

Index lookup_rgb(const std::uint8_t* bin, const float* lookup, int bins, Index size, float* out) {
#ifdef MINIDL_X86_KERNELS
  if (kernel_isa() == Isa::avx512) return lookup_rgb_avx512(bin, lookup, bins, size, out);
#endif
  (void)bin, (void)lookup, (void)bins, (void)size, (void)out;
  return 0;
}

}  // namespace

void equalize(const float* in, float* out, Index pixels, Index c, int bins,
              const ValueRange& range) {
  // A vectorised pass finds every value's bin (a byte: bins <= 256), a scalar one counts them,
  // and a last one maps the bins through the tables.
  const Index size = pixels * c;
  std::vector<std::uint8_t> bin(static_cast<std::size_t>(size));
  // The bin of v is floor((v - low) * (bins - 1) / (high - low)), with the scale computed once
  // (a division per value took a third of the time). Keras computes int32(v * (bins - 1) / 255)
  // on (0, 255): the same bins for pixels of whole numbers with 256 bins; otherwise a value
  // within a rounding error of a bin's edge may land in the bin next to Keras'.
  const float last = float(bins - 1), scale = last / (range.high - range.low);
  for (Index i = bin_bytes(in, size, range.low, last, scale, bin.data()); i < size; ++i) {
    const float x = (in[i] - range.low) * scale;
    bin[std::size_t(i)] = static_cast<std::uint8_t>(x > 0.0f ? std::min(x, last) : 0.0f);
  }
  std::vector<std::uint32_t> histograms(static_cast<std::size_t>(2 * bins * c), 0);
  std::uint32_t* even = histograms.data();
  std::uint32_t* odd = even + bins * c;
  if (c == 3) {
    count_bins<3>(bin.data(), pixels, c, bins, even, odd);
  } else {
    count_bins<0>(bin.data(), pixels, c, bins, even, odd);
  }
  for (Index j = 0; j < bins * c; ++j) even[j] += odd[j];
  // One table of c * bins floats; a channel left as it is gets zeros, and is copied over after.
  std::vector<float> lookup(static_cast<std::size_t>(c * bins), 0.0f);
  const std::vector<bool> unchanged =
      equalising_tables(even, pixels, c, bins, range, lookup.data());
  Index i = c == 3 ? lookup_rgb(bin.data(), lookup.data(), bins, size, out) : 0;
  for (; i < size; ++i) out[i] = lookup[std::size_t((i % c) * bins + bin[std::size_t(i)])];
  for (Index k = 0; k < c; ++k) {
    if (unchanged[std::size_t(k)]) {
      for (Index j = k; j < size; j += c) out[j] = in[j];
    }
  }
}

Equalization::Equalization(ValueRange value_range, int bins) : range_(value_range), bins_(bins) {
  check_value_range(range_, "Equalization");
  if (bins < 2 || bins > 256) {
    throw Error(fmt::format("Equalization: bins must be in [2, 256], got {}", bins));
  }
}

Shape Equalization::build_impl(const Shape& s) {
  return check_image_shape(s, label());
}

Tensor Equalization::forward(const Tensor& x, bool /*training*/) {
  check_input(x);
  const Index pixels = input_shape()[0] * input_shape()[1], c = input_shape()[2];
  return map_images(
      x, [&](const float* in, float* out) { equalize(in, out, pixels, c, bins_, range_); });
}

Tensor Equalization::backward(const Tensor&) {
  throw Error(label() + ": has no gradient; place it before the layers with weights");
}

Json Equalization::get_config() const {
  return {{"value_range", {range_.low, range_.high}}, {"bins", bins_}};
}

Equalization Equalization::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return Equalization(value_range_of(config), static_cast<int>(config.integer("bins", 256)));
}

}  // namespace minidl
