// Shape: up to four dimensions, printed as "(64,32,32,3)". Images are NHWC.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace minidl {

using Index = std::ptrdiff_t;

class Shape {
 public:
  static constexpr int kMaxRank = 4;

  Shape() = default;
  Shape(std::initializer_list<Index> dims);
  explicit Shape(const std::vector<Index>& dims);

  int rank() const { return rank_; }
  Index operator[](int axis) const { return dims_[axis]; }
  Index& operator[](int axis) { return dims_[axis]; }
  // Number of elements: the product of the dimensions (1 for rank 0).
  Index size() const;

  // The shape of one sample: every dimension but the first.
  Shape without_batch() const;
  // This shape (one sample) with a leading batch dimension of n.
  Shape with_batch(Index n) const;

  bool operator==(const Shape& other) const;
  bool operator!=(const Shape& other) const { return !(*this == other); }

  // "(64,32,32,3)".
  std::string str() const;
  // A sample shape behind a named batch axis: str_batched() is "(None,32,32,3)", as Keras prints
  // it; str_batched("N") is "(N,32,32,3)".
  std::string str_batched(const std::string& batch_name = "None") const;

 private:
  std::array<Index, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace minidl
