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

void check_window_args(const std::string& owner, const char* window_name, Size2 window,
                       Size2 strides) {
  if (window.h < 1 || window.w < 1 || strides.h < 1 || strides.w < 1) {
    throw Error(owner + ": " + window_name + " and strides must be >= 1, got " + window_name + " " +
                window.str() + " and strides " + strides.str());
  }
}

Window2D window_2d(const std::string& owner, const Shape& s, Size2 window, Size2 strides,
                   Padding padding, const char* window_name) {
  const Window2D w{window_axis(s[0], window.h, strides.h, padding),
                   window_axis(s[1], window.w, strides.w, padding)};
  if (w.rows.out == 0 || w.cols.out == 0) {
    throw Error(owner + ": " + window_name + " " + window.str() + " is larger than the '" +
                padding_name(padding) + "' input " + s.str_batched());
  }
  return w;
}

}  // namespace minidl
