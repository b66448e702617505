// Equalization(value_range = (0, 255), bins = 256): histogram equalisation of each image's
// channels, per image: the values mapped to 0..255 fall into `bins` bins (bin = int(v (bins-1) /
// 255)), and each value becomes round((cdf(bin) - cdf_min) * 255 / (count - cdf_min)) of its
// channel's cumulative histogram (half to even, clipped to 0..255), mapped back; a channel whose
// values share one bin stays as it is. Always active (a deterministic normalisation; RandAugment
// uses it as a random op).
// Departures from Keras 3: Keras takes one histogram per channel over the whole batch, so an
// image's result depends on the others in its batch; and it skips the layer at inference,
// against its documentation. minidl computes a bin as (v - low) times one precomputed scale
// (bins - 1) / (high - low): Keras' bins for whole-number pixels with 256 bins, and otherwise
// possibly the next bin for a value within a rounding error of a bin's edge.
// x (N,H,W,C) -> y of the same shape. No gradient.
#pragma once

#include <memory>

#include <minidl/layers/augment/value_range.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

// One (H,W,C) image.
void equalize(const float* in, float* out, Index pixels, Index channels, int bins,
              const ValueRange& range);

class Equalization : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Equalization>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  explicit Equalization(ValueRange value_range = {}, int bins = 256);
  std::string type() const override { return "Equalization"; }
  Json get_config() const override;
  static Equalization from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  ValueRange range_;
  int bins_;
};

}  // namespace minidl
