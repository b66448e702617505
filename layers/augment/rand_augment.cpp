#include <minidl/layers/augment/rand_augment.hpp>

#include <algorithm>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

RandAugment::RandAugment(ValueRange value_range, int num_ops, float factor,
                         const std::string& interpolation, const std::string& fill_mode,
                         std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      range_(value_range),
      num_ops_(num_ops),
      factor_(factor),
      resampling_{parse_interpolation(interpolation, "RandAugment"),
                  parse_fill_mode(fill_mode, "RandAugment"), 0.0f} {
  if (num_ops < 0 || !(factor >= 0.0f && factor <= 1.0f)) {
    throw Error(fmt::format("RandAugment: num_ops must be >= 0 and factor in [0, 1], got {} and {}",
                            num_ops, factor));
  }
  check_value_range(range_, "RandAugment");
}

void RandAugment::draw(Index n, const SampleStreams& streams) {
  steps_.assign(std::size_t(n), {});
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    for (int k = 0; k < num_ops_; ++k) {
      const auto op = static_cast<PolicyOp>(rng.below(kPolicyOps));
      const float magnitude = rng.uniform(0.0f, factor_);
      steps_[std::size_t(i)].push_back(policy_step(op, magnitude, rng, height(), width()));
    }
  }
}

void RandAugment::transform(Index i, const float* in, float* out) const {
  // A Tensor, not a vector: pooled, so that large images do not fault in fresh pages each time.
  Tensor scratch(Shape{height() * width() * channels()});
  apply_policy_steps(steps_[std::size_t(i)], in, out, scratch.data(), height(), width(), channels(),
                     range_, resampling_);
}

void RandAugment::transform_mask(Index i, const float* in, float* out, float fill) const {
  const Index size = height() * width();
  std::copy(in, in + size, out);
  std::vector<float> step(static_cast<std::size_t>(size));
  const Resampling nearest{Interpolation::Nearest, resampling_.fill_mode, fill};
  for (const PolicyStep& s : steps_[std::size_t(i)]) {
    if (!is_geometric(s.op)) continue;
    affine_transform(out, step.data(), height(), width(), 1, s.transform, nearest);
    std::copy(step.begin(), step.end(), out);
  }
}

void RandAugment::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  for (const PolicyStep& s : steps_[std::size_t(i)]) {
    if (!is_geometric(s.op)) continue;
    const AffineTransform forward = inverse(s.transform);
    for (auto& b : boxes) b = map_box(forward, b);
  }
}

Json RandAugment::get_config() const {
  return {{"value_range", {range_.low, range_.high}},
          {"num_ops", num_ops_},
          {"factor", factor_},
          {"interpolation", interpolation_name(resampling_.interpolation)},
          {"fill_mode", fill_mode_name(resampling_.fill_mode)}};
}

RandAugment RandAugment::from_config(const LayerConfig& config) {
  require_channels_last(config);
  // Keras writes factor as a (0, f) pair.
  float factor = 0.5f;
  if (config.has("factor")) {
    factor = config.json().at("factor").is_array() ? config.range("factor").second
                                                   : config.number("factor");
  }
  return RandAugment(value_range_of(config), static_cast<int>(config.integer("num_ops", 2)), factor,
                     config.string("interpolation", "bilinear"),
                     config.string("fill_mode", "reflect"), config.seed());
}

}  // namespace minidl
