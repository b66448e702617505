#include <minidl/layers/augment/color.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <minidl/core/error.hpp>

namespace minidl {

void check_rgb(const Shape& s, const std::string& owner) {
  if (s.rank() != 3 || s[2] != 3) {
    throw Error(owner + ": expected RGB images (N,H,W,3), got " + s.str_batched());
  }
}

FactorRange from_zero(const FactorRange& factor) {
  return factor.lower < 0.0f ? FactorRange(0.0f, factor.upper) : factor;
}

}  // namespace minidl
