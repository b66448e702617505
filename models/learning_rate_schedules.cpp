#include <minidl/models/learning_rate_schedules.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

void check_steps(const char* schedule, const char* what, long steps, long minimum) {
  if (steps < minimum) {
    throw Error(std::string(schedule) + ": " + what + " must be >= " + std::to_string(minimum) +
                ", got " + std::to_string(steps));
  }
}

}  // namespace

ExponentialDecay::ExponentialDecay(float initial_learning_rate, long decay_steps, float decay_rate,
                                   bool staircase)
    : initial_(initial_learning_rate),
      decay_rate_(decay_rate),
      decay_steps_(decay_steps),
      staircase_(staircase) {
  check_steps("ExponentialDecay", "decay_steps", decay_steps, 1);
}

float ExponentialDecay::operator()(long step) const {
  double p = static_cast<double>(step) / static_cast<double>(decay_steps_);
  if (staircase_) p = std::floor(p);
  return static_cast<float>(initial_ * std::pow(static_cast<double>(decay_rate_), p));
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<long> boundaries,
                                               std::vector<float> values)
    : boundaries_(std::move(boundaries)), values_(std::move(values)) {
  if (boundaries_.empty() || values_.size() != boundaries_.size() + 1) {
    throw Error(
        "PiecewiseConstantDecay: expected one more value than boundaries (at least one "
        "boundary), got " +
        std::to_string(boundaries_.size()) + " boundaries and " + std::to_string(values_.size()) +
        " values");
  }
  if (!std::is_sorted(boundaries_.begin(), boundaries_.end()) ||
      std::adjacent_find(boundaries_.begin(), boundaries_.end()) != boundaries_.end()) {
    throw Error("PiecewiseConstantDecay: boundaries must be strictly increasing");
  }
}

float PiecewiseConstantDecay::operator()(long step) const {
  // The first boundary not below `step` closes the interval step lies in.
  const auto interval = std::lower_bound(boundaries_.begin(), boundaries_.end(), step);
  return values_[static_cast<std::size_t>(interval - boundaries_.begin())];
}

CosineDecay::CosineDecay(float initial_learning_rate, long decay_steps, float alpha,
                         std::optional<float> warmup_target, long warmup_steps)
    : initial_(initial_learning_rate),
      alpha_(alpha),
      warmup_target_(warmup_target),
      decay_steps_(decay_steps),
      warmup_steps_(warmup_steps) {
  check_steps("CosineDecay", "decay_steps", decay_steps, 1);
  check_steps("CosineDecay", "warmup_steps", warmup_steps, 0);
}

float CosineDecay::operator()(long step) const {
  double from = initial_;
  long decay_step = step;
  if (warmup_target_) {
    if (step < warmup_steps_) {
      const double done = static_cast<double>(step) / static_cast<double>(warmup_steps_);
      return static_cast<float>(initial_ + (*warmup_target_ - initial_) * done);
    }
    from = *warmup_target_;
    decay_step = step - warmup_steps_;
  }
  const double done =
      static_cast<double>(std::min(decay_step, decay_steps_)) / static_cast<double>(decay_steps_);
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * done));
  return static_cast<float>(from * ((1.0 - alpha_) * cosine + alpha_));
}

Json ExponentialDecay::get_config() const {
  return {{"initial_learning_rate", initial_},
          {"decay_steps", decay_steps_},
          {"decay_rate", decay_rate_},
          {"staircase", staircase_}};
}

Json PiecewiseConstantDecay::get_config() const {
  return {{"boundaries", boundaries_}, {"values", values_}};
}

Json CosineDecay::get_config() const {
  return {{"initial_learning_rate", initial_},
          {"decay_steps", decay_steps_},
          {"alpha", alpha_},
          {"warmup_target", warmup_target_ ? Json(*warmup_target_) : Json(nullptr)},
          {"warmup_steps", warmup_steps_}};
}

}  // namespace minidl
