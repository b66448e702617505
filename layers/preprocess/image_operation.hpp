// What the always-active image layers (AutoContrast, Equalization) share.
#pragma once

#include <string>

#include <minidl/core/tensor.hpp>

namespace minidl {

// The sample shape (H,W,C) of images, or an Error naming `owner`.
const Shape& check_image_shape(const Shape& sample_shape, const std::string& owner);

// y[i] = op(x[i]) for every (H,W,C) image of the batch x, in parallel; op(in, out).
template <class Op>
Tensor map_images(const Tensor& x, const Op& op) {
  Tensor y(x.shape());
  const Index n = x.dim(0), size = x.size() / (n > 0 ? n : 1);
#pragma omp parallel for schedule(static) if (x.size() >= (1 << 15))
  for (Index i = 0; i < n; ++i) op(x.data() + i * size, y.data() + i * size);
  return y;
}

}  // namespace minidl
