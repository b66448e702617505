// ReLU: the rectified linear unit with Keras' options, element-wise (keras.layers.ReLU):
//   y = min(x, max_value)                  if x > threshold
//   y = negative_slope * (x - threshold)   otherwise
// max_value (unset: no cap) and negative_slope must be >= 0, threshold too (Keras rejects a
// negative one). With threshold > 0 the function jumps from 0 to `threshold` there, as in Keras.
// Backward uses the derivative of the piece x lies in: 1 on (threshold, max_value), 0 at and above
// max_value, negative_slope at and below threshold.
//   x (N,...) -> y of the same shape. Same behaviour in training and inference.
#pragma once

#include <optional>

#include <minidl/layers/layer.hpp>

namespace minidl {

// A plain ReLU of one value exactly as ReLU() computes it (+0 for -0, NaN stays NaN), and its
// derivative as a factor for dy: what layers that fuse a following ReLU apply.
inline float relu_value(float v) {
  return v > 0.0f ? v : 0.0f * v + 0.0f;
}
inline float relu_slope(float v) {
  return v > 0.0f ? 1.0f : 0.0f;
}

class ReLU : public Layer {
 public:
  explicit ReLU(std::optional<float> max_value = std::nullopt, float negative_slope = 0.0f,
                float threshold = 0.0f);

  std::string type() const override { return "ReLU"; }

  Json get_config() const override;

  static ReLU from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<ReLU>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&input_};
  }

  std::optional<float> max_value() const { return max_value_; }
  float negative_slope() const { return negative_slope_; }
  float threshold() const { return threshold_; }
  bool is_plain_relu() const override {
    return !max_value_ && negative_slope_ == 0.0f && threshold_ == 0.0f;
  }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  std::optional<float> max_value_;
  float negative_slope_, threshold_;
  Tensor input_;  // x, cached for backward (training only): y alone cannot tell the pieces apart
};

}  // namespace minidl
