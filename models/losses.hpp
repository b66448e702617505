// Losses: forward returns the mean loss over the batch and caches what backward needs;
// backward returns dL/d(predictions) of that mean.
//   SparseCategoricalCrossentropy: predictions (N,C), labels (N) or (N,1) holding class ids.
//   CategoricalCrossentropy:       predictions (N,C), targets (N,C) (one-hot or probabilities).
//   MeanSquaredError:              predictions and targets of the same shape.
// from_logits=true fuses softmax into the loss (log-sum-exp), which is stable for large logits;
// from_logits=false expects probabilities and, as Keras, renormalises them and clips to
// [1e-7, 1 - 1e-7] before the log.
#pragma once

#include <string>

#include <minidl/core/tensor.hpp>

#include <minidl/layers/config.hpp>

namespace minidl {

class Loss {
 public:
  Loss() = default;
  virtual ~Loss() = default;
  // Movable (so compile() can take one by value), not copyable: it caches tensors.
  Loss(Loss&&) = default;
  Loss& operator=(Loss&&) = default;
  virtual std::string name() const = 0;
  // Keras' get_config: {"from_logits": ...} for the cross-entropies, {} otherwise.
  virtual Json get_config() const { return Json::object(); }
  virtual float forward(const Tensor& predictions, const Tensor& targets) = 0;
  virtual Tensor backward() = 0;
  // True when targets are class ids (one per sample), not one value per output.
  virtual bool sparse_targets() const { return false; }
};

class SparseCategoricalCrossentropy : public Loss {
 public:
  explicit SparseCategoricalCrossentropy(bool from_logits = false) : from_logits_(from_logits) {}
  std::string name() const override { return "SparseCategoricalCrossentropy"; }
  Json get_config() const override { return {{"from_logits", from_logits_}}; }
  float forward(const Tensor& predictions, const Tensor& labels) override;
  Tensor backward() override;
  bool sparse_targets() const override { return true; }

 private:
  bool from_logits_;
  Tensor grad_;
};

class CategoricalCrossentropy : public Loss {
 public:
  explicit CategoricalCrossentropy(bool from_logits = false) : from_logits_(from_logits) {}
  std::string name() const override { return "CategoricalCrossentropy"; }
  Json get_config() const override { return {{"from_logits", from_logits_}}; }
  float forward(const Tensor& predictions, const Tensor& targets) override;
  Tensor backward() override;

 private:
  bool from_logits_;
  Tensor grad_;
};

class MeanSquaredError : public Loss {
 public:
  std::string name() const override { return "MeanSquaredError"; }
  float forward(const Tensor& predictions, const Tensor& targets) override;
  Tensor backward() override;

 private:
  Tensor grad_;
};

// Class ids of sparse labels, validated: integers in [0, classes). `owner` starts the message.
std::vector<Index> class_ids(const Tensor& labels, Index samples, Index classes,
                             const std::string& owner, const Shape& predictions_shape);

}  // namespace minidl
