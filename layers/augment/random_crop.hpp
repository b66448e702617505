// RandomCrop(height, width): crops each image to (height, width) at its own uniformly drawn
// position (training) or at the centre (inference). x (N,H,W,C) -> y (N,height,width,C).
// Departures from Keras 3, following its documentation: the position is drawn per image (Keras 3
// uses one position per batch), and inference centre-crops (Keras 3 returns the input uncropped,
// keras-team/keras#21868, so shapes change between fit and predict). A crop larger than the image
// is an error here, where Keras would resize.
#pragma once

#include <memory>

#include <string>
#include <vector>

#include <minidl/layers/augment/augmentation_layer.hpp>

namespace minidl {

// Throws unless a (crop_h, crop_w) window fits in (H,W,C) samples, naming `owner`.
void check_crop_fits(const std::string& owner, const Shape& sample_shape, Index crop_h,
                     Index crop_w);
// Copies the (crop_h, crop_w) window at (top, left) of one (H,W,C) image into `out`.
void crop_image(const float* in, float* out, Index width, Index channels, Index top, Index left,
                Index crop_h, Index crop_w);
// The adjoint: adds the window's gradient `d_out` into `d_in` (H,W,C) at (top, left).
void uncrop_gradient(const float* d_out, float* d_in, Index width, Index channels, Index top,
                     Index left, Index crop_h, Index crop_w);

class RandomCrop : public AugmentationLayer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<RandomCrop>(std::move(*this));
  }
  RandomCrop(Index height, Index width, std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "RandomCrop"; }
  Json get_config() const override;
  // (top, left) of each image's window in the last training call.
  const std::vector<std::pair<Index, Index>>& last_offsets() const { return offsets_; }
  static RandomCrop from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;
  void draw(Index n, const SampleStreams& streams) override;
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;
  void prepare_inference(Index n) override;

 private:
  Index crop_h_, crop_w_;
  std::vector<std::pair<Index, Index>> offsets_;  // (top, left) per image
};

}  // namespace minidl
