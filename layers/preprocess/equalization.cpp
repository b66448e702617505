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
  // A vectorised pass finds every value's bin, a scalar one counts each in its channel's
  // histogram, and a last one maps the bins through the tables.
  const Index size = pixels * c;
  std::vector<float> bin(static_cast<std::size_t>(size));
  const float last = float(bins - 1);
  for (Index i = 0; i < size; ++i) {
    bin[std::size_t(i)] =
        floor_of_small(clamp_by_value(to_unit(in[i], range) * 255.0f * last / 255.0f, 0.0f, last));
  }
  std::vector<Index> histogram(static_cast<std::size_t>(bins * c), 0);
  for (Index p = 0; p < pixels; ++p) {
    const float* b = &bin[std::size_t(p * c)];
    for (Index k = 0; k < c; ++k) ++histogram[std::size_t(k * bins + static_cast<Index>(b[k]))];
  }
  // Per channel the table from bin to equalised value, or empty: a channel whose values fill one
  // bin stays as it is.
  std::vector<std::vector<float>> tables(static_cast<std::size_t>(c));
  for (Index k = 0; k < c; ++k) {
    const Index* counts = &histogram[std::size_t(k * bins)];
    if (std::count_if(counts, counts + bins, [](Index n) { return n > 0; }) <= 1) continue;
    std::vector<float>& table = tables[std::size_t(k)];
    table.resize(std::size_t(bins));
    Index cdf = 0, cdf_min = -1;
    for (int b = 0; b < bins; ++b) {
      cdf += counts[b];
      if (cdf_min < 0 && cdf > 0) cdf_min = cdf;
      const double scaled =
          double(cdf - cdf_min) * 255.0 / double(std::max<Index>(pixels - cdf_min, 1));
      table[std::size_t(b)] = from_unit(
          static_cast<float>(std::clamp(std::nearbyint(scaled), 0.0, 255.0)) / 255.0f, range);
    }
  }
  for (Index k = 0; k < c; ++k) {
    const std::vector<float>& table = tables[std::size_t(k)];
    if (table.empty()) {
      for (Index i = k; i < size; i += c) out[i] = in[i];
    } else {
      for (Index i = k; i < size; i += c)
        out[i] = table[static_cast<std::size_t>(bin[std::size_t(i)])];
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
