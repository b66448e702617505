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

}  // namespace minidl
