// Bit-for-bit equality of tensors, for tests of saving, loading and concurrency.
#pragma once

#include <cstring>
#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl::testing {

inline bool identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

inline bool identical(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!identical(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace minidl::testing
