#include <minidl/core/tensor.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include <minidl/core/detail/buffer_pool.hpp>
#include <minidl/core/error.hpp>

namespace minidl {
Tensor::Tensor(const Shape& shape) : shape_(shape), data_(detail::acquire_buffer(shape.size())) {}

Tensor::Tensor(const Shape& shape, float fill_value) : Tensor(shape) {
  fill(fill_value);
}

Tensor::Tensor(const Shape& shape, std::initializer_list<float> values)
    : Tensor(shape, std::vector<float>(values)) {}

Tensor::Tensor(const Shape& shape, const std::vector<float>& values) : Tensor(shape) {
  if (static_cast<Index>(values.size()) != shape.size()) {
    throw Error("Tensor: shape " + shape.str() + " holds " + std::to_string(shape.size()) +
                " values, got " + std::to_string(values.size()));
  }
  std::copy(values.begin(), values.end(), data());
}

Tensor Tensor::share() const {
  Tensor view;
  view.shape_ = shape_;
  view.data_ = data_;
  return view;
}

Tensor Tensor::clone() const {
  Tensor copy(shape_);
  if (size()) std::memcpy(copy.data(), data(), size() * sizeof(float));
  return copy;
}

void Tensor::reshape(const Shape& shape) {
  if (shape.size() != size()) {
    throw Error("Tensor: cannot reshape " + shape_.str() + " (" + std::to_string(size()) +
                " values) to " + shape.str() + " (" + std::to_string(shape.size()) + " values)");
  }
  shape_ = shape;
}

void Tensor::fill(float value) {
  std::fill(data(), data() + size(), value);
}

Tensor Tensor::slice(Index begin, Index end) const {
  if (rank() == 0 || begin < 0 || end < begin || end > dim(0)) {
    throw Error("Tensor: cannot slice samples [" + std::to_string(begin) + "," +
                std::to_string(end) + ") of " + shape_.str());
  }
  Shape out_shape = shape_;
  out_shape[0] = end - begin;
  Tensor out(out_shape);
  const Index stride = shape_.without_batch().size();
  if (out.size()) std::memcpy(out.data(), data() + begin * stride, out.size() * sizeof(float));
  return out;
}

Tensor Tensor::gather(const Index* indices, Index count) const {
  if (rank() == 0) throw Error("Tensor: cannot gather samples of a rank-0 tensor");
  Shape out_shape = shape_;
  out_shape[0] = count;
  Tensor out(out_shape);
  const Index stride = shape_.without_batch().size();
  for (Index i = 0; i < count; ++i) {
    const Index src = indices[i];
    if (src < 0 || src >= dim(0)) {
      throw Error("Tensor: sample index " + std::to_string(src) + " out of range for " +
                  shape_.str());
    }
    std::memcpy(out.data() + i * stride, data() + src * stride, stride * sizeof(float));
  }
  return out;
}

}  // namespace minidl
