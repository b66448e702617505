#include <minidl/layers/preprocess/auto_contrast.hpp>

#include <algorithm>
#include <limits>
#include <vector>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/preprocess/image_operation.hpp>

namespace minidl {

void auto_contrast(const float* in, float* out, Index pixels, Index c, const ValueRange& range) {
  std::vector<float> low(std::size_t(c), std::numeric_limits<float>::max());
  std::vector<float> high(std::size_t(c), std::numeric_limits<float>::lowest());
  for (Index p = 0; p < pixels; ++p) {
    for (Index k = 0; k < c; ++k) {
      const float v = to_unit(in[p * c + k], range) * 255.0f;
      low[std::size_t(k)] = std::min(low[std::size_t(k)], v);
      high[std::size_t(k)] = std::max(high[std::size_t(k)], v);
    }
  }
  for (Index p = 0; p < pixels; ++p) {
    for (Index k = 0; k < c; ++k) {
      const float lo = low[std::size_t(k)], hi = high[std::size_t(k)];
      if (!(hi > lo)) {
        out[p * c + k] = in[p * c + k];
        continue;
      }
      const float v = to_unit(in[p * c + k], range) * 255.0f;
      out[p * c + k] =
          from_unit(std::clamp((v - lo) * 255.0f / (hi - lo), 0.0f, 255.0f) / 255.0f, range);
    }
  }
}

AutoContrast::AutoContrast(ValueRange value_range) : range_(value_range) {
  check_value_range(range_, "AutoContrast");
}

Shape AutoContrast::build_impl(const Shape& s) {
  return check_image_shape(s, label());
}

Tensor AutoContrast::forward(const Tensor& x, bool /*training*/) {
  check_input(x);
  const Index pixels = input_shape()[0] * input_shape()[1], c = input_shape()[2];
  return map_images(
      x, [&](const float* in, float* out) { auto_contrast(in, out, pixels, c, range_); });
}

Tensor AutoContrast::backward(const Tensor&) {
  throw Error(label() + ": has no gradient; place it before the layers with weights");
}

Json AutoContrast::get_config() const {
  return {{"value_range", {range_.low, range_.high}}};
}

AutoContrast AutoContrast::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return AutoContrast(value_range_of(config));
}

}  // namespace minidl
