// Learning-rate schedules, as Keras' keras.optimizers.schedules: the rate as a function of the
// optimizer's step count (0 for the first step; it is saved with the optimizer's state, so a
// resumed run continues the schedule). Given to an optimizer in place of a constant rate:
//   Adam adam(CosineDecay(1e-3f, /*decay_steps=*/10000));
// A schedule decides the rate of every step: set_learning_rate (and so LearningRateScheduler) is
// refused on such an optimizer.
#pragma once

#include <optional>
#include <vector>

#include <minidl/layers/config.hpp>

namespace minidl {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  virtual float operator()(long step) const = 0;
  // Keras' class name and get_config, for model files.
  virtual std::string name() const = 0;
  virtual Json get_config() const = 0;
};

// initial * decay_rate^(step / decay_steps); with staircase the exponent is floored.
class ExponentialDecay : public LearningRateSchedule {
 public:
  ExponentialDecay(float initial_learning_rate, long decay_steps, float decay_rate,
                   bool staircase = false);
  float operator()(long step) const override;
  std::string name() const override { return "ExponentialDecay"; }
  Json get_config() const override;

 private:
  float initial_, decay_rate_;
  long decay_steps_;
  bool staircase_;
};

// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
// values.back() after the last boundary.
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  PiecewiseConstantDecay(std::vector<long> boundaries, std::vector<float> values);
  float operator()(long step) const override;
  std::string name() const override { return "PiecewiseConstantDecay"; }
  Json get_config() const override;

 private:
  std::vector<long> boundaries_;
  std::vector<float> values_;
};

// Without a warmup_target: initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)
// with s = min(step, decay_steps). With one: linear from initial to warmup_target over
// warmup_steps, then the same cosine decay from warmup_target, s counted from the warm-up's end.
class CosineDecay : public LearningRateSchedule {
 public:
  CosineDecay(float initial_learning_rate, long decay_steps, float alpha = 0.0f,
              std::optional<float> warmup_target = std::nullopt, long warmup_steps = 0);
  float operator()(long step) const override;
  std::string name() const override { return "CosineDecay"; }
  Json get_config() const override;

 private:
  float initial_, alpha_;
  std::optional<float> warmup_target_;
  long decay_steps_, warmup_steps_;
};

}  // namespace minidl
