#include <minidl/models/optimizers.hpp>

#include <algorithm>
#include <cmath>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>

namespace minidl {
namespace {

// Elements per piece of a parameter (Optimizer::Piece): 64 KB of each array, enough work to
// share among threads and few enough pieces for the small parameters.
constexpr Index kPieceSize = Index{1} << 14;

Eigen::Map<Eigen::ArrayXf> view(float* data, Index size) {
  return {data, size};
}
Eigen::Map<const Eigen::ArrayXf> view(const float* data, Index size) {
  return {data, size};
}

}  // namespace

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
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Parameter& p = *params[i];
    if (p.grad.shape() != p.value.shape() ||
        (!slots_[i].empty() && slots_[i][0].shape() != p.value.shape())) {
      throw Error(name() + ": parameter '" + p.name + "' " + p.value.shape().str() +
                  " does not match its gradient " + p.grad.shape().str() + " or its state");
    }
  }
  // As Keras: the schedule is read at the count of steps taken before this one, and the count
  // (Adam's t) includes this step during the update.
  const float lr = learning_rate();
  ++iterations_;
  std::vector<Piece> pieces;
  std::vector<bool> decay;
  for (std::size_t i = 0; i < params.size(); ++i) {
    Parameter& p = *params[i];
    for (Index begin = 0; begin < p.value.size(); begin += kPieceSize) {
      Piece piece{p.value.data() + begin,
                  p.grad.data() + begin,
                  {},
                  std::min(kPieceSize, p.value.size() - begin)};
      for (std::size_t s = 0; s < slots_[i].size(); ++s) {
        piece.slots[s] = slots_[i][s].data() + begin;
      }
      pieces.push_back(piece);
      decay.push_back(weight_decay_ > 0.0f && decays(p));
    }
  }
  const auto count = static_cast<Index>(pieces.size());
#pragma omp parallel for schedule(static) if (count > 1)
  for (Index k = 0; k < count; ++k) {
    const Piece& piece = pieces[static_cast<std::size_t>(k)];
    if (decay[static_cast<std::size_t>(k)]) {
      auto w = view(piece.value, piece.size);
      w -= w * (weight_decay_ * lr);
    }
    update(piece, lr);
  }
}

void Optimizer::set_learning_rate(float lr) {
  if (has_schedule()) {
    throw Error(name() +
                ": its learning rate is a schedule, which sets the rate of every step; "
                "set_learning_rate (or a LearningRateScheduler) cannot replace it");
  }
  learning_rate_ = LearningRate(lr);
}

void Optimizer::set_weight_decay(float weight_decay) {
  if (!(weight_decay >= 0.0f)) {
    throw Error(name() + ": weight_decay must be >= 0, got " + std::to_string(weight_decay));
  }
  weight_decay_ = weight_decay;
}

bool Optimizer::decays(const Parameter& param) const {
  return std::none_of(
      excluded_from_decay_.begin(), excluded_from_decay_.end(),
      [&](const std::string& part) { return param.name.find(part) != std::string::npos; });
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

SGD::SGD(LearningRate learning_rate, float momentum, bool nesterov)
    : Optimizer(std::move(learning_rate)), momentum_(momentum), nesterov_(nesterov) {
  if (momentum < 0.0f || momentum > 1.0f) {
    throw Error("SGD: momentum must be in [0,1], got " + std::to_string(momentum));
  }
}

void SGD::update(const Piece& piece, float lr) const {
  auto w = view(piece.value, piece.size);
  const auto g = view(piece.grad, piece.size);
  if (slots_per_parameter() == 0) {
    w -= lr * g;
    return;
  }
  auto v = view(piece.slots[0], piece.size);
  v = momentum_ * v - lr * g;
  if (nesterov_) {
    w += momentum_ * v - lr * g;
  } else {
    w += v;
  }
}

Adam::Adam(LearningRate learning_rate, float beta_1, float beta_2, float epsilon)
    : Optimizer(std::move(learning_rate)), beta_1_(beta_1), beta_2_(beta_2), epsilon_(epsilon) {
  if (!(beta_1 >= 0.0f && beta_1 < 1.0f) || !(beta_2 >= 0.0f && beta_2 < 1.0f)) {
    throw Error("Adam: beta_1 and beta_2 must be in [0,1), got " + std::to_string(beta_1) +
                " and " + std::to_string(beta_2));
  }
}

void Adam::update(const Piece& piece, float lr) const {
  const double t = static_cast<double>(iterations());
  const float alpha =
      static_cast<float>(lr * std::sqrt(1.0 - std::pow(beta_2_, t)) / (1.0 - std::pow(beta_1_, t)));
  // One pass over the four arrays (three Eigen statements made three).
  float* w = piece.value;
  const float* g = piece.grad;
  float* m = piece.slots[0];
  float* v = piece.slots[1];
  const float b1 = 1.0f - beta_1_, b2 = 1.0f - beta_2_, eps = epsilon_;
  for (Index i = 0; i < piece.size; ++i) {
    m[i] += b1 * (g[i] - m[i]);
    v[i] += b2 * (g[i] * g[i] - v[i]);
    w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
  }
}

AdamW::AdamW(LearningRate learning_rate, float weight_decay, float beta_1, float beta_2,
             float epsilon)
    : Adam(std::move(learning_rate), beta_1, beta_2, epsilon) {
  set_weight_decay(weight_decay);
}

RMSprop::RMSprop(LearningRate learning_rate, float rho, float momentum, float epsilon,
                 bool centered)
    : Optimizer(std::move(learning_rate)),
      rho_(rho),
      momentum_(momentum),
      epsilon_(epsilon),
      centered_(centered) {
  if (!(rho >= 0.0f && rho < 1.0f) || !(momentum >= 0.0f && momentum < 1.0f)) {
    throw Error("RMSprop: rho and momentum must be in [0,1), got " + std::to_string(rho) + " and " +
                std::to_string(momentum));
  }
}

void RMSprop::update(const Piece& piece, float lr) const {
  auto w = view(piece.value, piece.size);
  const auto g = view(piece.grad, piece.size);
  auto v = view(piece.slots[0], piece.size);
  v = rho_ * v + (1.0f - rho_) * g.square();
  // increment = lr * g / sqrt(denominator), evaluated inside the update: no array the size of the
  // parameter is allocated per step.
  const auto apply = [&](const auto& denominator) {
    if (momentum_ > 0.0f) {
      auto m = view(piece.slots[1], piece.size);
      m = momentum_ * m + lr * g / denominator.sqrt();
      w -= m;
    } else {
      w -= lr * g / denominator.sqrt();
    }
  };
  if (centered_) {
    auto a = view(piece.slots[slots_per_parameter() - 1], piece.size);
    a = rho_ * a + (1.0f - rho_) * g;
    apply(v - a.square() + epsilon_);
  } else {
    apply(v + epsilon_);
  }
}

Json LearningRate::get_config() const {
  if (!schedule_) return constant_;
  return {{"class_name", schedule_->name()}, {"config", schedule_->get_config()}};
}

Json Optimizer::get_config() const {
  return {{"learning_rate", learning_rate_.get_config()},
          {"weight_decay", weight_decay_ > 0.0f ? Json(weight_decay_) : Json(nullptr)},
          {"exclude_from_weight_decay", excluded_from_decay_}};
}

Json SGD::get_config() const {
  Json config = Optimizer::get_config();
  config["momentum"] = momentum_;
  config["nesterov"] = nesterov_;
  return config;
}

Json Adam::get_config() const {
  Json config = Optimizer::get_config();
  config["beta_1"] = beta_1_;
  config["beta_2"] = beta_2_;
  config["epsilon"] = epsilon_;
  config["amsgrad"] = false;
  return config;
}

Json RMSprop::get_config() const {
  Json config = Optimizer::get_config();
  config["rho"] = rho_;
  config["momentum"] = momentum_;
  config["epsilon"] = epsilon_;
  config["centered"] = centered_;
  return config;
}

}  // namespace minidl
