// MaxPooling2D: the maximum of each window, per channel (see pooling2d.hpp for the geometry).
// Ties go to the first tap in row-major window order. Backward routes each output gradient to the
// input element that was the maximum.
#pragma once

#include <memory>

#include <cstdint>
#include <vector>

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

 private:
  // For every output element, the input pixel (y*W + x within its image) holding the maximum.
  std::vector<std::int32_t> argmax_;
  Index cached_batch_ = -1;
};

}  // namespace minidl
