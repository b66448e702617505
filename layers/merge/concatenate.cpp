#include <minidl/layers/merge/concatenate.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>

namespace minidl {

Concatenate::Concatenate(int axis) : axis_(axis) {
  if (axis == 0) {
    throw Error("Concatenate: axis 0 is the batch axis; expected a sample axis (-1, 1, 2, ...)");
  }
}

int Concatenate::sample_axis(int rank) const {
  const int axis = axis_ < 0 ? axis_ + rank + 1 : axis_;  // with the batch axis counted
  if (axis < 1 || axis > rank) {
    throw Error(label() + ": axis " + std::to_string(axis_) +
                " is out of range for inputs of rank " + std::to_string(rank + 1));
  }
  return axis - 1;
}

Shape Concatenate::merged_shape(const std::vector<Shape>& shapes) const {
  const int rank = shapes[0].rank();
  const int axis = sample_axis(rank);
  Shape out = shapes[0];
  Index total = 0;
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    const Shape& s = shapes[k];
    bool agrees = s.rank() == rank;
    for (int d = 0; agrees && d < rank; ++d) agrees = d == axis || s[d] == shapes[0][d];
    if (!agrees) {
      std::string all;
      for (const Shape& t : shapes) all += (all.empty() ? "" : ", ") + t.str_batched();
      throw Error(label() + ": inputs must match in every axis but the concatenation axis " +
                  std::to_string(axis_) + ", got " + all);
    }
    total += s[axis];
  }
  out[axis] = total;
  return out;
}

Index Concatenate::block(const Shape& sample) const {
  const int axis = sample_axis(sample.rank());
  Index b = 1;
  for (int d = axis; d < sample.rank(); ++d) b *= sample[d];
  return b;
}

// Per sample, the product of the axes before the concatenation axis.
Index Concatenate::outer(const Shape& sample) const {
  const int axis = sample_axis(sample.rank());
  Index o = 1;
  for (int d = 0; d < axis; ++d) o *= sample[d];
  return o;
}

Tensor Concatenate::merge(const std::vector<Tensor>& xs, bool /*training*/) {
  const Index n = xs[0].dim(0);
  Tensor y(output_shape().with_batch(n));
  const Index rows = n * outer(output_shape()), out_block = block(output_shape());
  Index offset = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const Index b = block(input_shapes()[k]);
    const float* in = xs[k].data();
    float* out = y.data() + offset;
#pragma omp parallel for if (rows * b > (Index(1) << 16))
    for (Index r = 0; r < rows; ++r) std::copy(in + r * b, in + (r + 1) * b, out + r * out_block);
    offset += b;
  }
  return y;
}

std::vector<Tensor> Concatenate::merge_backward(const Tensor& dy) {
  const Index n = dy.dim(0);
  const Index rows = n * outer(output_shape()), out_block = block(output_shape());
  std::vector<Tensor> dxs;
  Index offset = 0;
  for (const Shape& sample : input_shapes()) {
    const Index b = block(sample);
    Tensor dx(sample.with_batch(n));
    const float* in = dy.data() + offset;
    float* out = dx.data();
#pragma omp parallel for if (rows * b > (Index(1) << 16))
    for (Index r = 0; r < rows; ++r)
      std::copy(in + r * out_block, in + r * out_block + b, out + r * b);
    dxs.push_back(std::move(dx));
    offset += b;
  }
  return dxs;
}

Json Concatenate::get_config() const {
  return {{"axis", axis_}};
}

Concatenate Concatenate::from_config(const LayerConfig& config) {
  return Concatenate(static_cast<int>(config.integer("axis", -1)));
}

}  // namespace minidl
