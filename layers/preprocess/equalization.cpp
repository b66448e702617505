#include <minidl/layers/preprocess/equalization.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/preprocess/image_operation.hpp>

namespace minidl {

void equalize(const float* in, float* out, Index pixels, Index c, int bins,
              const ValueRange& range) {
  std::vector<Index> histogram(static_cast<std::size_t>(bins));
  std::vector<float> table(static_cast<std::size_t>(bins));
  auto bin_of = [&](float x) {
    const float v = to_unit(x, range) * 255.0f * float(bins - 1) / 255.0f;
    return std::clamp(static_cast<int>(v), 0, bins - 1);
  };
  for (Index k = 0; k < c; ++k) {
    std::fill(histogram.begin(), histogram.end(), 0);
    for (Index p = 0; p < pixels; ++p) ++histogram[std::size_t(bin_of(in[p * c + k]))];
    const auto used = std::count_if(histogram.begin(), histogram.end(), [](Index h) { return h; });
    if (used <= 1) {
      for (Index p = 0; p < pixels; ++p) out[p * c + k] = in[p * c + k];
      continue;
    }
    Index cdf = 0, cdf_min = -1;
    for (int b = 0; b < bins; ++b) {
      cdf += histogram[std::size_t(b)];
      if (cdf_min < 0 && cdf > 0) cdf_min = cdf;
      const double scaled =
          double(cdf - cdf_min) * 255.0 / double(std::max<Index>(pixels - cdf_min, 1));
      table[std::size_t(b)] = static_cast<float>(std::clamp(std::nearbyint(scaled), 0.0, 255.0));
    }
    for (Index p = 0; p < pixels; ++p) {
      out[p * c + k] = from_unit(table[std::size_t(bin_of(in[p * c + k]))] / 255.0f, range);
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
