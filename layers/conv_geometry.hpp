// Spatial geometry shared by Conv2D and the pooling layers (NHWC, TensorFlow's conventions):
//   'valid': out = floor((in - window) / stride) + 1, no padding.
//   'same':  out = ceil(in / stride); the total padding max((out-1)*stride + window - in, 0) is
//            split with the smaller half before (top/left) and the larger after (bottom/right).
#pragma once

#include <string>

#include <minidl/core/shape.hpp>

namespace minidl {

enum class Padding { Valid, Same };

// "valid" or "same"; `owner` starts the error message for anything else.
Padding parse_padding(const std::string& name, const std::string& owner);
std::string padding_name(Padding padding);

// A height/width pair, from one number (3 -> 3x3) or two ({3, 5}).
struct Size2 {
  Size2(Index both) : h(both), w(both) {}  // NOLINT: implicit, as Keras takes 3 or (3, 3)
  Size2(Index height, Index width) : h(height), w(width) {}
  std::string str() const { return "(" + std::to_string(h) + "," + std::to_string(w) + ")"; }
  Index h, w;
};

struct Axis {
  Index out;         // output size along the axis
  Index pad_before;  // padding before the first input element
};

// The output size and leading padding of one axis; Axis{0, 0} when the window does not fit.
Axis window_axis(Index in, Index window, Index stride, Padding padding);

// Throws unless every size of the window and the strides is >= 1, naming `owner` and the window
// as `window_name` ("kernel_size", "pool_size").
void check_window_args(const std::string& owner, const char* window_name, Size2 window,
                       Size2 strides);

// Both axes of a window sliding over (H,W,C) samples. Throws, starting the message with `owner`
// and naming the window as `window_name` ("kernel", "pool_size"), when it does not fit.
struct Window2D {
  Axis rows, cols;
};
Window2D window_2d(const std::string& owner, const Shape& sample_shape, Size2 window, Size2 strides,
                   Padding padding, const char* window_name);

// Everything a convolution's loops need, fixed when the layer is built.
struct ConvGeometry {
  Index h, w, cin;                               // input
  Index oh, ow, cout;                            // output
  Index kh, kw, sh, sw;                          // window and strides
  Index pad_top, pad_left;                       // leading padding
  Index patch() const { return kh * kw * cin; }  // one im2col row: the taps of one window
};

}  // namespace minidl
