// AveragePooling2D: the mean of each window, per channel (see pooling2d.hpp for the geometry).
// With 'same' padding a border window averages only its valid taps, as TensorFlow does.
#pragma once

#include <memory>

#include <minidl/layers/pooling2d.hpp>

namespace minidl {

class AveragePooling2D : public Pooling2D {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<AveragePooling2D>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  explicit AveragePooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                            const std::string& padding = "valid")
      : Pooling2D(pool_size, strides, padding, "AveragePooling2D") {}

  std::string type() const override { return "AveragePooling2D"; }

  static AveragePooling2D from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 private:
  Index cached_batch_ = -1;
};

}  // namespace minidl
