#include <minidl/layers/zero_padding2d.hpp>

#include <cstring>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

// Below this many output elements one thread is faster than waking an OpenMP team.
constexpr Index kParallelElements = 1 << 15;

}  // namespace

ZeroPadding2D::ZeroPadding2D(Pads padding) : pads_(padding) {
  if (pads_.height.first < 0 || pads_.height.second < 0 || pads_.width.first < 0 ||
      pads_.width.second < 0) {
    throw Error(fmt::format(
        "ZeroPadding2D: padding must be >= 0, got ((top,bottom),(left,right)) = (({},{}),({},{}))",
        pads_.height.first, pads_.height.second, pads_.width.first, pads_.width.second));
  }
}

Shape ZeroPadding2D::build_impl(const Shape& s) {
  check_image_sample(s);
  return Shape{pads_.height.first + s[0] + pads_.height.second,
               pads_.width.first + s[1] + pads_.width.second, s[2]};
}

// Each output row is (left zeros, one input row, right zeros): a memset, a memcpy, a memset.
Tensor ZeroPadding2D::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  const Index oh = output_shape()[0], ow = output_shape()[1];
  const Index top = pads_.height.first, left = pads_.width.first;
  const Index right = pads_.width.second;
  Tensor y(output_shape().with_batch(n));
#pragma omp parallel for collapse(2) schedule(static) if (y.size() >= kParallelElements)
  for (Index b = 0; b < n; ++b) {
    for (Index oy = 0; oy < oh; ++oy) {
      float* dst = y.data() + (b * oh + oy) * ow * c;
      const Index iy = oy - top;
      if (iy < 0 || iy >= h) {
        std::memset(dst, 0, ow * c * sizeof(float));
        continue;
      }
      std::memset(dst, 0, left * c * sizeof(float));
      std::memcpy(dst + left * c, x.data() + (b * h + iy) * w * c, w * c * sizeof(float));
      std::memset(dst + (left + w) * c, 0, right * c * sizeof(float));
    }
  }
  if (training) cached_batch_ = n;
  return y;
}

// The padding does not depend on x: the gradient is dy's interior, the zeros get none.
Tensor ZeroPadding2D::backward(const Tensor& dy) {
  check_backward(cached_batch_, dy);
  const Index n = dy.dim(0), h = input_shape()[0], w = input_shape()[1], c = input_shape()[2];
  const Index oh = output_shape()[0], ow = output_shape()[1];
  const Index top = pads_.height.first, left = pads_.width.first;
  Tensor dx(input_shape().with_batch(n));
#pragma omp parallel for collapse(2) schedule(static) if (dy.size() >= kParallelElements)
  for (Index b = 0; b < n; ++b) {
    for (Index iy = 0; iy < h; ++iy) {
      std::memcpy(dx.data() + (b * h + iy) * w * c,
                  dy.data() + ((b * oh + iy + top) * ow + left) * c, w * c * sizeof(float));
    }
  }
  return dx;
}

Json ZeroPadding2D::get_config() const {
  return {{"padding",
           {{pads_.height.first, pads_.height.second}, {pads_.width.first, pads_.width.second}}},
          {"data_format", "channels_last"}};
}

ZeroPadding2D ZeroPadding2D::from_config(const LayerConfig& config) {
  require_channels_last(config);
  // Keras' three forms: 1, [1, 2] (symmetric per axis), [[1, 2], [3, 4]].
  const Json& p = config.json().contains("padding") ? config.json().at("padding") : Json(1);
  auto side = [&](const Json& v) -> std::pair<Index, Index> {
    if (v.is_number_integer()) return {v.get<Index>(), v.get<Index>()};
    if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
      return {v[0].get<Index>(), v[1].get<Index>()};
    }
    config.fail("padding",
                "must be an integer, [h, w] or [[top, bottom], [left, right]], got " + p.dump());
  };
  if (p.is_number_integer()) return ZeroPadding2D(p.get<Index>());
  if (!p.is_array() || p.size() != 2) side(Json());  // throws
  return ZeroPadding2D(ZeroPadding2D::Pads{side(p[0]), side(p[1])});
}

}  // namespace minidl
