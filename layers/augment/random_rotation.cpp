#include <minidl/layers/augment/random_rotation.hpp>

#include <cmath>

namespace minidl {

RandomRotation::RandomRotation(FactorRange factor, const std::string& fill_mode,
                               const std::string& interpolation, float fill_value,
                               std::optional<std::uint64_t> seed)
    : GeometricAugmentation("RandomRotation", fill_mode, interpolation, fill_value, seed),
      factor_(factor) {
  // A full turn either way is the most a fraction of 2*pi can mean.
  check_range("factor", factor_, -1.0f, 1.0f);
}

void RandomRotation::draw(Index n, const SampleStreams& streams) {
  angles_.resize(n);
  transforms_.resize(n);
  for (Index i = 0; i < n; ++i) {
    angles_[i] = streams(i).uniform(factor_.lower * 360.0f, factor_.upper * 360.0f);
    transforms_[i] = rotation_transform(angles_[i] * M_PI / 180.0, height(), width());
  }
}

Json RandomRotation::get_config() const {
  Json config = resampling_config();
  config["factor"] = {factor_.lower, factor_.upper};
  return config;
}

RandomRotation RandomRotation::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [low, high] = config.range("factor");
  return RandomRotation(FactorRange(low, high), config.string("fill_mode", "reflect"),
                        config.string("interpolation", "bilinear"),
                        config.number("fill_value", 0.0f), config.seed());
}

}  // namespace minidl
