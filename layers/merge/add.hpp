// Add: y = x_1 + x_2 + ... (inputs of one shape), as keras.layers.Add. Backward: every input
// receives dy. A graph may fold a following ReLU into it (Layer::forward_relu, a residual
// block's last step): y = max(0, sum), and backward masks dy where y is 0.
#pragma once

#include <minidl/layers/merge/merge_layer.hpp>
#include <minidl/layers/normalization_maps.hpp>

namespace minidl {

class Add : public MergeLayer {
 public:
  std::string type() const override { return "Add"; }
  static Add from_config(const LayerConfig& config);
  std::shared_ptr<Layer> into_shared() && override {
    return std::make_shared<Add>(std::move(*this));
  }
  std::optional<std::vector<Tensor*>> backward_cache() override {
    return std::vector<Tensor*>{&relu_output_};
  }
  bool fuses_relu() const override { return true; }
  Tensor forward_relu(const std::vector<Tensor>& xs, bool training) override;
  // Training forward of two inputs, xs[normalized] being a BatchNormalization's input whose
  // output pass is left to this Add (BatchNormalization::forward_statistics): y = [ReLU](
  // map(xs[normalized]) + the other), equal bit for bit to the two layers' passes.
  Tensor forward_normalized(const std::vector<Tensor>& xs, std::size_t normalized,
                            const NormalizationMap& map, bool relu);

 protected:
  Shape merged_shape(const std::vector<Shape>& s) const override { return same_shapes(s); }
  Tensor merge(const std::vector<Tensor>& xs, bool training) override;
  std::vector<Tensor> merge_backward(const Tensor& dy) override;

 private:
  Tensor sum(const std::vector<Tensor>& xs, bool relu) const;

  Tensor relu_output_;  // y of the last training forward_relu; empty after a plain forward
};

}  // namespace minidl
