// ZeroPadding2D: adds rows and columns of zeros around each image (keras.layers.ZeroPadding2D,
// channels_last). The padding reads as in Keras:
//   ZeroPadding2D(1)                  1 on every side            (Keras: padding=1)
//   ZeroPadding2D(1, 2)               1 above and below, 2 left and right      ((1, 2))
//   ZeroPadding2D({{1, 2}, {3, 4}})   top 1, bottom 2, left 3, right 4 (((1, 2), (3, 4)))
//   x (N,H,W,C) -> y (N, top+H+bottom, left+W+right, C). Backward crops the gradient back to
//   (N,H,W,C). Same behaviour in training and inference.
#pragma once

#include <utility>

#include <minidl/layers/layer.hpp>

namespace minidl {

class ZeroPadding2D : public Layer {
 public:
  // (before, after) along height and width. Not an aggregate, so that {1, 2} alone does not
  // silently become "height (1,2), width (0,0)": it is read as ZeroPadding2D(1, 2) instead.
  struct Pads {
    Pads(std::pair<Index, Index> height_pads, std::pair<Index, Index> width_pads)
        : height(height_pads), width(width_pads) {}
    std::pair<Index, Index> height, width;
  };

  explicit ZeroPadding2D(Index padding = 1) : ZeroPadding2D(padding, padding) {}
  ZeroPadding2D(Index height, Index width)
      : ZeroPadding2D(Pads{{height, height}, {width, width}}) {}
  explicit ZeroPadding2D(Pads padding);

  std::string type() const override { return "ZeroPadding2D"; }

  Json get_config() const override;

  static ZeroPadding2D from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<ZeroPadding2D>(std::move(*this));
  }
  // Backward needs only the batch size of the last training forward.
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }

  const Pads& padding() const { return pads_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  Pads pads_;
  Index cached_batch_ = -1;
};

}  // namespace minidl
