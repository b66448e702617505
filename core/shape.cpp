#include <minidl/core/shape.hpp>

#include <minidl/core/error.hpp>

namespace minidl {

Shape::Shape(std::initializer_list<Index> dims) : Shape(std::vector<Index>(dims)) {}

Shape::Shape(const std::vector<Index>& dims) {
  if (dims.size() > static_cast<std::size_t>(kMaxRank)) {
    throw Error("Shape: at most " + std::to_string(kMaxRank) + " dimensions, got " +
                std::to_string(dims.size()));
  }
  for (Index d : dims) {
    if (d < 0) throw Error("Shape: dimensions must be >= 0, got " + std::to_string(d));
    dims_[rank_++] = d;
  }
}

Index Shape::size() const {
  Index n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[i];
  return n;
}

Shape Shape::without_batch() const {
  if (rank_ == 0) throw Error("Shape: a rank-0 shape has no batch dimension");
  Shape s;
  for (int i = 1; i < rank_; ++i) s.dims_[s.rank_++] = dims_[i];
  return s;
}

Shape Shape::with_batch(Index n) const {
  if (rank_ == kMaxRank) {
    throw Error("Shape: cannot add a batch dimension to " + str() + ", already rank " +
                std::to_string(kMaxRank));
  }
  Shape s;
  s.dims_[s.rank_++] = n;
  for (int i = 0; i < rank_; ++i) s.dims_[s.rank_++] = dims_[i];
  return s;
}

bool Shape::operator==(const Shape& other) const {
  if (rank_ != other.rank_) return false;
  for (int i = 0; i < rank_; ++i) {
    if (dims_[i] != other.dims_[i]) return false;
  }
  return true;
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ",";
    s += std::to_string(dims_[i]);
  }
  return s + ")";
}

std::string Shape::str_batched(const std::string& batch_name) const {
  std::string s = "(" + batch_name;
  for (int i = 0; i < rank_; ++i) s += "," + std::to_string(dims_[i]);
  return s + ")";
}

}  // namespace minidl
