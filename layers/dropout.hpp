// Dropout: in training, each element is zeroed with probability `rate` and the kept ones are
// scaled by 1/(1-rate) (inverted dropout), so inference is the identity and needs no rescaling.
// Each sample's mask comes from its own stream (Layer::next_sample_streams).
//   x (N,...) -> y of the same shape.
#pragma once

#include <memory>

#include <minidl/layers/layer.hpp>

namespace minidl {

class Dropout : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Dropout>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&mask_};
  }
  explicit Dropout(float rate);

  std::string type() const override { return "Dropout"; }

  Json get_config() const override;

  static Dropout from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  float rate() const { return rate_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override { return sample_shape; }

 private:
  float rate_;
  Tensor mask_;  // 0 or 1/(1-rate) per element of the last training forward
};

}  // namespace minidl
