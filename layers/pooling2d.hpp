// Pooling2D: what MaxPooling2D and AveragePooling2D share, as in Keras (channels_last):
//   pool_size (default 2x2), strides (default = pool_size), padding 'valid' or 'same' (TensorFlow's
//   split, see conv_geometry.hpp); a window's padded taps are left out, never counted as values.
//   x (N,H,W,C) -> y (N,OH,OW,C). Channels are contiguous in NHWC, so each window step is a
//   vector operation over C floats. Same behaviour in training and inference.
#pragma once

#include <minidl/layers/conv_geometry.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

class Pooling2D : public Layer {
 public:
  Pooling2D(Size2 pool_size, std::optional<Size2> strides, const std::string& padding,
            const char* type);
  Json get_config() const override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;

  // The valid taps of output pixel (oy, ox): rows [y0, y1) and columns [x0, x1) of the input.
  struct Window {
    Index y0, y1, x0, x1;
    Index count() const { return (y1 - y0) * (x1 - x0); }
  };
  Window window(Index oy, Index ox) const;
  // Keras' "strides" of a pooling config: the pool size when null.
  static std::optional<Size2> strides_of(const LayerConfig& config);
  // Whether the windows cover every input pixel exactly once ('valid', stride = pool size,
  // sizes divisible), so a backward pass can write each input gradient once instead of adding.
  bool windows_tile_input() const;
  const Size2& pool_size() const { return pool_size_; }

  // Whether a batch of n images is worth an OpenMP team (waking one costs microseconds).
  bool parallel_worth_it(Index n) const { return n * h_ * w_ * c_ >= kParallelElements; }
  static constexpr Index kParallelElements = 1 << 15;

  Index h_ = 0, w_ = 0, c_ = 0, oh_ = 0, ow_ = 0;

 private:
  Size2 pool_size_, strides_;
  Padding padding_;
  Index pad_top_ = 0, pad_left_ = 0;
};

}  // namespace minidl
