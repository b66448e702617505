#include <minidl/layers/augment/aug_mix.hpp>

#include <algorithm>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

AugMix::AugMix(ValueRange value_range, int num_chains, std::pair<int, int> chain_depth,
               float factor, float alpha, bool all_ops, const std::string& interpolation,
               std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      range_(value_range),
      num_chains_(num_chains),
      depth_(chain_depth),
      factor_(factor),
      alpha_(alpha),
      all_ops_(all_ops),
      // torchvision's AugMix fills with a constant.
      resampling_{parse_interpolation(interpolation, "AugMix"), FillMode::Constant, 0.0f} {
  if (num_chains < 1 || depth_.first < 1 || depth_.first > depth_.second ||
      !(factor >= 0.0f && factor <= 1.0f) || !(alpha > 0.0f)) {
    throw Error(
        fmt::format("AugMix: needs num_chains >= 1, 1 <= chain_depth low <= high, factor "
                    "in [0, 1] and alpha > 0, got {}, ({}, {}), {}, {}",
                    num_chains, depth_.first, depth_.second, factor, alpha));
  }
  check_value_range(range_, "AugMix");
  for (int k = 0; k < kPolicyOps; ++k) {
    const auto op = static_cast<PolicyOp>(k);
    const bool colour = op == PolicyOp::Brightness || op == PolicyOp::Color ||
                        op == PolicyOp::Contrast || op == PolicyOp::Sharpness;
    if (op != PolicyOp::Identity && (all_ops || !colour)) ops_.push_back(op);
  }
}

void AugMix::draw(Index n, const SampleStreams& streams) {
  draws_.assign(std::size_t(n), Draw{});
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    Draw& d = draws_[std::size_t(i)];
    double total = 0.0;
    for (int k = 0; k < num_chains_; ++k) {
      d.weights.push_back(float(rng.gamma(alpha_)));
      total += d.weights.back();
    }
    for (float& w : d.weights) w = float(w / total);
    d.original = float(rng.beta(alpha_, alpha_));
    d.chains.resize(std::size_t(num_chains_));
    for (auto& chain : d.chains) {
      const int depth =
          depth_.first + int(rng.below(std::uint64_t(depth_.second - depth_.first + 1)));
      for (int s = 0; s < depth; ++s) {
        const PolicyOp op = ops_[rng.below(ops_.size())];
        chain.push_back(policy_step(op, rng.uniform(0.0f, factor_), rng, height(), width()));
      }
    }
  }
}

void AugMix::transform(Index i, const float* in, float* out) const {
  const Index size = height() * width() * channels();
  const Draw& d = draws_[std::size_t(i)];
  // Tensors, not vectors: pooled, so that large images do not fault in fresh pages every time.
  Tensor mix(Shape{size}, 0.0f), view(Shape{size}), step(Shape{size});
  for (std::size_t k = 0; k < d.chains.size(); ++k) {
    apply_policy_steps(d.chains[k], in, view.data(), step.data(), height(), width(), channels(),
                       range_, resampling_);
    for (Index j = 0; j < size; ++j) mix[j] += d.weights[k] * view[j];
  }
  for (Index j = 0; j < size; ++j) {
    const float v = d.original * in[j] + (1.0f - d.original) * mix[j];
    out[j] = std::clamp(v, range_.low, range_.high);
  }
}

void AugMix::check_annotations_supported(const AnnotatedImages& batch) const {
  if (!batch.masks.empty() || !batch.boxes.empty()) {
    throw Error(label() + ": takes no masks or boxes: it blends differently transformed views");
  }
}

Json AugMix::get_config() const {
  return {{"value_range", {range_.low, range_.high}},
          {"num_chains", num_chains_},
          {"chain_depth", {depth_.first, depth_.second}},
          {"factor", factor_},
          {"alpha", alpha_},
          {"all_ops", all_ops_},
          {"interpolation", interpolation_name(resampling_.interpolation)}};
}

AugMix AugMix::from_config(const LayerConfig& config) {
  require_channels_last(config);
  std::pair<int, int> depth{1, 3};
  if (config.has("chain_depth")) {
    const Json& j = config.json().at("chain_depth");
    depth = j.is_array() ? std::pair<int, int>(j.at(0).get<int>(), j.at(1).get<int>())
                         : std::pair<int, int>(j.get<int>(), j.get<int>());
  }
  float factor = 0.3f;
  if (config.has("factor")) {
    factor = config.json().at("factor").is_array() ? config.range("factor").second
                                                   : config.number("factor");
  }
  return AugMix(value_range_of(config), static_cast<int>(config.integer("num_chains", 3)), depth,
                factor, config.number("alpha", 1.0f), config.boolean("all_ops", true),
                config.string("interpolation", "bilinear"), config.seed());
}

}  // namespace minidl
