// Resizing(height, width, interpolation = "bilinear"): resizes images (N,H,W,C) to
// (N,height,width,C) as Keras 3 does (no antialiasing, no aspect-ratio crop or pad):
//   bilinear: output pixel i samples s = (i + 0.5) * in/out - 0.5, clamped to [0, in - 1],
//             between its two neighbours (separably for rows and columns);
//   nearest:  output pixel i takes input floor((i + 0.5) * in/out).
// Always active, the same in training and inference; backward is the adjoint of the resampling.
#pragma once

#include <memory>

#include <vector>

#include <minidl/layers/augment/affine_transform.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

class Resizing : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Resizing>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  Resizing(Index height, Index width, const std::string& interpolation = "bilinear");
  std::string type() const override { return "Resizing"; }
  Json get_config() const override;
  static Resizing from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

  // One axis: output i reads input taps[i].first/second with weight 1-frac / frac.
  struct Tap {
    Index first, second;
    float frac;
  };

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  Index out_h_, out_w_;
  Interpolation interpolation_;
  std::vector<Tap> rows_, cols_;
};

// The resampling of Resizing as a function (for loaders that make images one size): images
// (N,H,W,C) -> (N,height,width,C).
Tensor resize_images(const Tensor& images, Index height, Index width,
                     Interpolation interpolation = Interpolation::Bilinear);

}  // namespace minidl
