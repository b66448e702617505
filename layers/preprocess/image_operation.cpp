#include <minidl/layers/preprocess/image_operation.hpp>

#include <minidl/core/error.hpp>

namespace minidl {

const Shape& check_image_shape(const Shape& s, const std::string& owner) {
  if (s.rank() != 3) {
    throw Error(owner + ": expected images (N,H,W,C), got " + s.str_batched());
  }
  return s;
}

}  // namespace minidl
