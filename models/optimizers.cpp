#include <minidl/models/optimizers.hpp>

#include <cmath>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>

namespace minidl {

void Optimizer::step(const std::vector<Parameter*>& params) {
  if (slots_.empty()) {
    for (Parameter* p : params) {
      std::vector<Tensor> slots;
      for (int s = 0; s < slots_per_parameter(); ++s) {
        slots.push_back(Tensor::zeros(p->value.shape()));
      }
      slots_.push_back(std::move(slots));
    }
  }
  if (slots_.size() != params.size()) {
    throw Error(name() + ": step was given " + std::to_string(params.size()) +
                " parameters, but its state is for " + std::to_string(slots_.size()));
  }
  ++iterations_;
  for (std::size_t i = 0; i < params.size(); ++i) {
    Parameter& p = *params[i];
    if (p.grad.shape() != p.value.shape() ||
        (!slots_[i].empty() && slots_[i][0].shape() != p.value.shape())) {
      throw Error(name() + ": parameter '" + p.name + "' " + p.value.shape().str() +
                  " does not match its gradient " + p.grad.shape().str() + " or its state");
    }
    update(p, slots_[i]);
  }
}

void Optimizer::set_state(long iterations, std::vector<std::vector<Tensor>> slots) {
  for (const std::vector<Tensor>& s : slots) {
    if (static_cast<int>(s.size()) != slots_per_parameter()) {
      throw Error(name() + ": a saved state has " + std::to_string(s.size()) +
                  " slots for a parameter, expected " + std::to_string(slots_per_parameter()));
    }
  }
  iterations_ = iterations;
  slots_ = std::move(slots);
}

SGD::SGD(float learning_rate, float momentum, bool nesterov)
    : Optimizer(learning_rate), momentum_(momentum), nesterov_(nesterov) {
  if (momentum < 0.0f || momentum > 1.0f) {
    throw Error("SGD: momentum must be in [0,1], got " + std::to_string(momentum));
  }
}

void SGD::update(Parameter& param, std::vector<Tensor>& slots) {
  auto w = detail::array(param.value);
  const auto g = detail::array(param.grad);
  const float lr = learning_rate();
  if (slots.empty()) {
    w -= lr * g;
    return;
  }
  auto v = detail::array(slots[0]);
  v = momentum_ * v - lr * g;
  if (nesterov_) {
    w += momentum_ * v - lr * g;
  } else {
    w += v;
  }
}

Adam::Adam(float learning_rate, float beta_1, float beta_2, float epsilon)
    : Optimizer(learning_rate), beta_1_(beta_1), beta_2_(beta_2), epsilon_(epsilon) {
  if (!(beta_1 >= 0.0f && beta_1 < 1.0f) || !(beta_2 >= 0.0f && beta_2 < 1.0f)) {
    throw Error("Adam: beta_1 and beta_2 must be in [0,1), got " + std::to_string(beta_1) +
                " and " + std::to_string(beta_2));
  }
}

void Adam::update(Parameter& param, std::vector<Tensor>& slots) {
  const double t = static_cast<double>(iterations());
  const float alpha = static_cast<float>(learning_rate() * std::sqrt(1.0 - std::pow(beta_2_, t)) /
                                         (1.0 - std::pow(beta_1_, t)));
  auto w = detail::array(param.value);
  const auto g = detail::array(param.grad);
  auto m = detail::array(slots[0]);
  auto v = detail::array(slots[1]);
  m += (1.0f - beta_1_) * (g - m);
  v += (1.0f - beta_2_) * (g.square() - v);
  w -= alpha * m / (v.sqrt() + epsilon_);
}

}  // namespace minidl
