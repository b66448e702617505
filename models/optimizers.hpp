// Optimizers update a list of parameters from their gradients, with Keras' update rules.
// Per-parameter state (momentum, moments) is created on the first step and matched by position,
// so step() must always be given the same parameter list.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <minidl/layers/layer.hpp>
#include <minidl/models/learning_rate_schedules.hpp>

namespace minidl {

// An optimizer's learning rate: a constant or a schedule, as Keras' `learning_rate` takes either:
//   Adam(1e-3f)   Adam(CosineDecay(1e-3f, 10000))
class LearningRate {
 public:
  LearningRate(float constant) : constant_(constant) {}  // NOLINT: implicit on purpose
  template <class Schedule,
            class = std::enable_if_t<std::is_base_of_v<LearningRateSchedule, Schedule>>>
  LearningRate(Schedule schedule)  // NOLINT: implicit on purpose
      : schedule_(std::make_shared<const Schedule>(std::move(schedule))) {}

  // The rate of the step after `iterations` steps.
  float at(long iterations) const { return schedule_ ? (*schedule_)(iterations) : constant_; }
  bool is_schedule() const { return schedule_ != nullptr; }
  // The constant, or the schedule as {"class_name", "config"} (Keras' serialized form).
  Json get_config() const;

 private:
  float constant_ = 0.0f;
  std::shared_ptr<const LearningRateSchedule> schedule_;
};

class Optimizer {
 public:
  explicit Optimizer(LearningRate learning_rate) : learning_rate_(std::move(learning_rate)) {}
  virtual ~Optimizer() = default;
  // Movable (so compile() can take one by value), not copyable: its state holds tensors.
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;
  virtual std::string name() const = 0;
  // Keras' get_config: the learning rate (a number or a schedule), weight decay and the
  // optimizer's own arguments.
  virtual Json get_config() const;

  void step(const std::vector<Parameter*>& params);

  // The rate the next step uses: the constant, or the schedule at iterations().
  float learning_rate() const { return learning_rate_.at(iterations_); }
  bool has_schedule() const { return learning_rate_.is_schedule(); }
  // Replaces a constant rate (LearningRateScheduler does, each epoch); refused with a schedule.
  void set_learning_rate(float lr);

  // Keras' weight_decay, decoupled from the gradient: before each update w -= w * decay * lr,
  // for every parameter whose name contains none of the excluded names (e.g. {"bias", "gamma",
  // "beta"}). 0 (the default, AdamW's is 0.004) turns it off.
  float weight_decay() const { return weight_decay_; }
  void set_weight_decay(float weight_decay);
  void exclude_from_weight_decay(std::vector<std::string> names) {
    excluded_from_decay_ = std::move(names);
  }
  // Steps taken so far (Keras' `iterations`).
  long iterations() const { return iterations_; }

  // The state saved with a checkpoint: per parameter (in step() order) its slots, e.g. Adam's
  // first and second moments; empty before the first step.
  virtual int slots_per_parameter() const = 0;
  const std::vector<std::vector<Tensor>>& slots() const { return slots_; }
  // Restores a saved state; `slots` is empty or has slots_per_parameter() tensors per parameter.
  void set_state(long iterations, std::vector<std::vector<Tensor>> slots);

 protected:
  // `size` consecutive elements of a parameter, its gradient and its slots (zero-initialised):
  // step() hands each parameter to update() in such pieces, on the library's threads. The updates
  // are element by element, so the pieces give the results of one call per parameter.
  struct Piece {
    float* value;
    const float* grad;
    float* slots[3];  // the first slots_per_parameter() are used
    Index size;
  };
  // Updates the piece's values from their gradients with this step's rate.
  virtual void update(const Piece& piece, float learning_rate) const = 0;

 private:
  bool decays(const Parameter& param) const;

  LearningRate learning_rate_;
  float weight_decay_ = 0.0f;
  std::vector<std::string> excluded_from_decay_;
  long iterations_ = 0;
  std::vector<std::vector<Tensor>> slots_;
};

// SGD, Keras 3: v = momentum*v - lr*g; w += v, or with nesterov w += momentum*v - lr*g.
class SGD : public Optimizer {
 public:
  explicit SGD(LearningRate learning_rate = 0.01f, float momentum = 0.0f, bool nesterov = false);
  std::string name() const override { return "SGD"; }
  Json get_config() const override;

  int slots_per_parameter() const override { return momentum_ > 0.0f ? 1 : 0; }

 protected:
  void update(const Piece& piece, float learning_rate) const override;

 private:
  float momentum_;
  bool nesterov_;
};

// Adam, Keras 3: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
//   w -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + epsilon), t = step number from 1.
class Adam : public Optimizer {
 public:
  explicit Adam(LearningRate learning_rate = 1e-3f, float beta_1 = 0.9f, float beta_2 = 0.999f,
                float epsilon = 1e-7f);
  std::string name() const override { return "Adam"; }
  Json get_config() const override;

  int slots_per_parameter() const override { return 2; }

 protected:
  void update(const Piece& piece, float learning_rate) const override;

 private:
  float beta_1_, beta_2_, epsilon_;
};

// AdamW, Keras 3: Adam with a decoupled weight decay (see Optimizer::set_weight_decay).
class AdamW : public Adam {
 public:
  explicit AdamW(LearningRate learning_rate = 1e-3f, float weight_decay = 0.004f,
                 float beta_1 = 0.9f, float beta_2 = 0.999f, float epsilon = 1e-7f);
  std::string name() const override { return "AdamW"; }
};

// RMSprop, Keras 3: v = rho*v + (1-rho)*g^2; the denominator is v + epsilon, or when centered
// v - a^2 + epsilon with a = rho*a + (1-rho)*g; increment = lr * g / sqrt(denominator);
// w -= increment, or with momentum m = momentum*m + increment, w -= m.
// Slots per parameter, in this order: v, then m (momentum > 0), then a (centered).
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(LearningRate learning_rate = 1e-3f, float rho = 0.9f, float momentum = 0.0f,
                   float epsilon = 1e-7f, bool centered = false);
  std::string name() const override { return "RMSprop"; }
  Json get_config() const override;

  int slots_per_parameter() const override {
    return 1 + (momentum_ > 0.0f ? 1 : 0) + (centered_ ? 1 : 0);
  }

 protected:
  void update(const Piece& piece, float learning_rate) const override;

 private:
  float rho_, momentum_, epsilon_;
  bool centered_;
};

}  // namespace minidl
