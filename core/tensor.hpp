// Tensor: a Shape and a contiguous, 64-byte-aligned float32 buffer.
// Moves are cheap; copies are explicit: clone() copies the data, share() returns a second
// Tensor on the same buffer (how a training forward keeps its input for backward without
// copying it). Nothing in the library writes into a tensor it was given as input.
// Large buffers are recycled through a size-keyed cache (buffer_pool.hpp): a training step
// allocates the same sizes every step, and reusing them avoids the kernel's page faults.
// Math on tensors is done in .cpp files through Eigen::Map views (core/detail/eigen.hpp).
#pragma once

#include <initializer_list>
#include <memory>
#include <vector>

#include <minidl/core/shape.hpp>

namespace minidl {

class Tensor {
 public:
  // No data: shape (0), empty(). Caches start like this until a training forward fills them.
  Tensor() = default;
  // Uninitialised storage for `shape`: every element must be written before it is read.
  explicit Tensor(const Shape& shape);
  Tensor(const Shape& shape, float fill);
  Tensor(const Shape& shape, std::initializer_list<float> values);
  Tensor(const Shape& shape, const std::vector<float>& values);

  static Tensor zeros(const Shape& shape) { return Tensor(shape, 0.0f); }

  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  Tensor clone() const;
  Tensor share() const;
  // No other tensor shares this one's buffer: writing to it changes no one else's values.
  bool owns_buffer_alone() const { return data_.use_count() == 1; }

  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  Index size() const { return shape_.size(); }
  Index dim(int axis) const { return shape_[axis]; }
  bool empty() const { return size() == 0; }

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  float& operator[](Index i) { return data_.get()[i]; }
  float operator[](Index i) const { return data_.get()[i]; }

  // Same buffer, new shape with the same number of elements.
  void reshape(const Shape& shape);
  void fill(float value);
  // A copy of samples [begin, end) along the first axis.
  Tensor slice(Index begin, Index end) const;
  // A copy of the samples at `indices` (first axis), in that order.
  Tensor gather(const Index* indices, Index count) const;

 private:
  Shape shape_{0};
  std::shared_ptr<float> data_;
};

}  // namespace minidl
