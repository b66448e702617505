#include <minidl/layers/preprocess/auto_contrast.hpp>

#include <algorithm>
#include <limits>
#include <vector>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/augment/detail/channel_rows.hpp>
#include <minidl/layers/preprocess/image_operation.hpp>

namespace minidl {

void auto_contrast(const float* in, float* out, Index h, Index w, Index c,
                   const ValueRange& range) {
  // Keras stretches each channel's [min, max], measured in (0, 255), onto (0, 255): for values
  // of `range`, in = low + (x - min) / (max - min) * (high - low), clipped; a constant channel
  // is left as it is. Per channel that is x * scale + offset, clipped to `range` or not at all.
  std::vector<float> low, high;
  detail::channel_min_max(in, h, w, c, low, high);
  std::vector<float> scale(std::size_t(c), 1.0f), offset(std::size_t(c), 0.0f);
  std::vector<float> floor(std::size_t(c), std::numeric_limits<float>::lowest());
  std::vector<float> ceiling(std::size_t(c), std::numeric_limits<float>::max());
  const float span = range.high - range.low;
  for (std::size_t k = 0; k < std::size_t(c); ++k) {
    if (!(high[k] > low[k])) continue;
    scale[k] = span / (high[k] - low[k]);
    offset[k] = range.low - low[k] * scale[k];
    floor[k] = range.low, ceiling[k] = range.high;
  }
  const std::vector<float> a = detail::spread_over_row(scale, w),
                           b = detail::spread_over_row(offset, w);
  const std::vector<float> lo = detail::spread_over_row(floor, w);
  const std::vector<float> hi = detail::spread_over_row(ceiling, w);
  for (Index y = 0; y < h; ++y) {
    const float* src = in + y * w * c;
    float* dst = out + y * w * c;
    for (std::size_t j = 0; j < std::size_t(w * c); ++j) {
      const float v = src[j] * a[j] + b[j];
      dst[j] = v < lo[j] ? lo[j] : v > hi[j] ? hi[j] : v;
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
  const Index h = input_shape()[0], w = input_shape()[1], c = input_shape()[2];
  return map_images(x,
                    [&](const float* in, float* out) { auto_contrast(in, out, h, w, c, range_); });
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
