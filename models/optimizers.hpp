// Optimizers update a list of parameters from their gradients, with Keras' update rules.
// Per-parameter state (momentum, moments) is created on the first step and matched by position,
// so step() must always be given the same parameter list.
#pragma once

#include <string>
#include <vector>

#include <minidl/layers/layer.hpp>

namespace minidl {

class Optimizer {
 public:
  explicit Optimizer(float learning_rate) : learning_rate_(learning_rate) {}
  virtual ~Optimizer() = default;
  // Movable (so compile() can take one by value), not copyable: its state holds tensors.
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;
  virtual std::string name() const = 0;

  void step(const std::vector<Parameter*>& params);

  float learning_rate() const { return learning_rate_; }
  void set_learning_rate(float lr) { learning_rate_ = lr; }
  // Steps taken so far (Keras' `iterations`).
  long iterations() const { return iterations_; }

  // The state saved with a checkpoint: per parameter (in step() order) its slots, e.g. Adam's
  // first and second moments; empty before the first step.
  virtual int slots_per_parameter() const = 0;
  const std::vector<std::vector<Tensor>>& slots() const { return slots_; }
  // Restores a saved state; `slots` is empty or has slots_per_parameter() tensors per parameter.
  void set_state(long iterations, std::vector<std::vector<Tensor>> slots);

 protected:
  // Update params[i] (value from grad) using slots_[i]; slots are zero-initialised.
  virtual void update(Parameter& param, std::vector<Tensor>& slots) = 0;

 private:
  float learning_rate_;
  long iterations_ = 0;
  std::vector<std::vector<Tensor>> slots_;
};

// SGD, Keras 3: v = momentum*v - lr*g; w += v, or with nesterov w += momentum*v - lr*g.
class SGD : public Optimizer {
 public:
  explicit SGD(float learning_rate = 0.01f, float momentum = 0.0f, bool nesterov = false);
  std::string name() const override { return "SGD"; }

  int slots_per_parameter() const override { return momentum_ > 0.0f ? 1 : 0; }

 protected:
  void update(Parameter& param, std::vector<Tensor>& slots) override;

 private:
  float momentum_;
  bool nesterov_;
};

// Adam, Keras 3: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
//   w -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + epsilon), t = step number from 1.
class Adam : public Optimizer {
 public:
  explicit Adam(float learning_rate = 1e-3f, float beta_1 = 0.9f, float beta_2 = 0.999f,
                float epsilon = 1e-7f);
  std::string name() const override { return "Adam"; }

  int slots_per_parameter() const override { return 2; }

 protected:
  void update(Parameter& param, std::vector<Tensor>& slots) override;

 private:
  float beta_1_, beta_2_, epsilon_;
};

}  // namespace minidl
