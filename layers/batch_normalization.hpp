// BatchNormalization over the last axis (channels), as Keras' (momentum 0.99, epsilon 1e-3):
//   training:  y = gamma * (x - mean_B) / sqrt(var_B + eps) + beta with the batch's mean and
//              (biased) variance over every axis but the last; then
//              moving = moving * momentum + batch * (1 - momentum).
//   inference: the same with the moving mean and variance.
// In data-parallel training (Model::distribute, by default) the batch statistics are those of
// the global batch, gathered from every rank, as PyTorch's SyncBatchNorm: every rank then
// computes what one process would over the whole batch, and the moving statistics stay equal.
// A graph may fold a following ReLU into it (Layer::forward_relu): y = max(0, ...) in the same
// pass, and backward masks dy where that was 0, recomputing the mask from the cached input.
// gamma (ones) and beta (zeros) are trained; moving_mean (zeros) and moving_variance (ones) are
// non-trainable parameters, saved with the weights. x (N,...,C) -> y of the same shape.
#pragma once

#include <memory>
#include <vector>

#include <minidl/layers/layer.hpp>
#include <minidl/layers/normalization_maps.hpp>

namespace minidl {

class BatchNormalization : public Layer {
 public:
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<BatchNormalization>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&input_, &mean_, &inv_std_};
  }
  explicit BatchNormalization(float momentum = 0.99f, float epsilon = 1e-3f);

  std::string type() const override { return "BatchNormalization"; }

  Json get_config() const override;

  static BatchNormalization from_config(const LayerConfig& config);
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  // A training forward without its output pass: takes the batch statistics (and updates the
  // moving ones) and keeps what backward needs, as forward does, and returns the map that gives
  // the output, for the layer reading it to apply (Add::forward_normalized). Valid until the
  // next forward.
  NormalizationMap forward_statistics(const Tensor& x);
  // backward up to the input gradient: adds gamma's and beta's gradients, and returns the map
  // that gives dx from dy and the input (nullopt when no input gradient is needed).
  std::optional<NormalizationGradient> backward_map(const Tensor& dy);
  std::vector<Parameter*> parameters() override;
  bool fuses_relu() const override { return true; }
  // gamma / sqrt(moving_variance + epsilon) and beta - moving_mean * that.
  bool inference_affine(std::vector<float>* scale, std::vector<float>* shift) const override;
  Tensor forward_relu(const std::vector<Tensor>& xs, bool training) override;
  void synchronize_over(Communicator* communicator) override { sync_ = communicator; }
  void join_collectives(bool backward) override;

  Parameter& gamma() { return gamma_; }
  Parameter& beta() { return beta_; }
  Parameter& moving_mean() { return moving_mean_; }
  Parameter& moving_variance() { return moving_variance_; }

 protected:
  Shape build_impl(const Shape& sample_shape) override;

 private:
  Tensor normalize(const Tensor& x, bool training, bool relu);
  // The map of the last training forward's statistics (pointers to this layer's own).
  NormalizationMap statistics_map() const;
  // Takes the batch's mean and inverse deviation, and updates the moving statistics.
  void use_batch_moments(double count, const std::vector<double>& mean,
                         const std::vector<double>& m2);

  float momentum_, epsilon_;
  Parameter gamma_{"gamma", {}, {}};
  Parameter beta_{"beta", {}, {}};
  Parameter moving_mean_{"moving_mean", {}, {}, /*trainable=*/false};
  Parameter moving_variance_{"moving_variance", {}, {}, /*trainable=*/false};
  // Of the last training forward; backward recomputes x_hat = (x - mean) * inv_std from them,
  // which costs less than writing x_hat out in forward and reading it back.
  Tensor input_;       // x
  Tensor mean_;        // the batch mean per channel
  Tensor inv_std_;     // 1/sqrt(var_B + eps) per channel
  bool relu_ = false;  // whether that forward applied a fused ReLU (see Layer::forward_relu)
  double count_ = 0;   // the samples (rows) the statistics are over: the global batch's
  Communicator* sync_ = nullptr;
};

}  // namespace minidl
