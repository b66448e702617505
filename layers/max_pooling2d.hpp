// MaxPooling2D: the maximum of each window, per channel (see pooling2d.hpp for the geometry).
// Ties go to the first tap in row-major window order. Backward routes each output gradient to the
// input element that was the maximum.
#pragma once

#include <memory>

#include <cstdint>
#include <vector>

#include <minidl/core/bfloat16.hpp>
#include <minidl/layers/pooling2d.hpp>

namespace minidl {

class MaxPooling2D : public Pooling2D {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<MaxPooling2D>(std::move(*this));
  }
  explicit MaxPooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                        const std::string& padding = "valid")
      : Pooling2D(pool_size, strides, padding, "MaxPooling2D") {}

  std::string type() const override { return "MaxPooling2D"; }

  static MaxPooling2D from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

  // Where a training batch's maxima were, for backward: the input pixel (y*W + x within its
  // image) of each output element, or with the 2x2 kernels a byte per element
  // (detail/max_pool_2x2.hpp). Empty in inference.
  struct Maxima {
    std::int32_t* pixels = nullptr;
    std::uint8_t* windows = nullptr;
  };
  // What a Conv2D before it uses to do this layer's work while its output is in cache
  // (Conv2D::forward_pooled): one image (H,W,C) to its maxima (OH,OW,C), recording them as image
  // b of `maxima`. pooled_batch(n) makes room for a training batch's maxima and returns it, as
  // forward(x, true) would have; backward after it works as after forward.
  void pool_image(const float* image, float* out, const Maxima& maxima, Index b) const;
  Maxima pooled_batch(Index n);
  // Whether pool_image pools with the 2x2 kernels (detail/max_pool_2x2.hpp), which a convolution
  // may also do itself on values it has in registers: with `maxima` of a training batch, as
  // pooled_batch chose; with an empty one (inference), as the kernel tier says now.
  bool pools_2x2(const Maxima& maxima) const {
    return maxima.windows || (!maxima.pixels && takes_2x2_kernels());
  }
  // Whether route_image can do backward's work: the windows tile the input.
  bool routes_images() const { return windows_tile_input(); }
  // One image's input gradient (H,W,C) from its output gradient dy (OH,OW,C) and the argmax of
  // training batch image b: dy at each window's maximum, 0 elsewhere. With `relu_of` (the pooled
  // outputs) only where that output is > 0: the derivative of a ReLU before the pooling.
  void route_image(const float* dy, Index b, const float* relu_of, float* dx) const;
  // Whether the last training batch took the 2x2 kernels, whose record route_image_pairs reads.
  bool routes_pairs() const { return windows_recorded_; }
  // route_image's dx as bfloat16 pairs of neighbouring pixels, the right operand of a bfloat16
  // kernel gradient, `width` pairs a row, and with `sum` its values added in (as
  // detail::route_max_pool_2x2_pairs); `relu` as a non-null relu_of. Only when routes_pairs().
  void route_image_pairs(const float* dy, Index b, bool relu, Index width, bfloat16* pairs,
                         float* sum) const;

 private:
  // 2x2 windows at stride 2 tiling the input: the AVX-512 loops of detail/max_pool_2x2.hpp.
  bool takes_2x2_kernels() const;
  // The training batch's Maxima: pixels for the general loops, windows for the 2x2 kernels.
  std::vector<std::int32_t> argmax_;
  std::vector<std::uint8_t> windows_;
  bool windows_recorded_ = false;  // the kind of the last batch's record (the ISA may change)
  Index cached_batch_ = -1;
};

}  // namespace minidl
