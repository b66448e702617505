#include <minidl/layers/conv_geometry.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>

namespace minidl {

Padding parse_padding(const std::string& name, const std::string& owner) {
  if (name == "valid") return Padding::Valid;
  if (name == "same") return Padding::Same;
  throw Error(owner + ": unknown padding '" + name + "', expected 'valid' or 'same'");
}

std::string padding_name(Padding padding) {
  return padding == Padding::Same ? "same" : "valid";
}

Axis window_axis(Index in, Index window, Index stride, Padding padding) {
  if (padding == Padding::Valid) {
    if (in < window) return {0, 0};
    return {(in - window) / stride + 1, 0};
  }
  const Index out = (in + stride - 1) / stride;
  const Index total = std::max<Index>((out - 1) * stride + window - in, 0);
  return {out, total / 2};
}

}  // namespace minidl
