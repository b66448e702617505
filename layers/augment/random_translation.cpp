#include <minidl/layers/augment/random_translation.hpp>

namespace minidl {

RandomTranslation::RandomTranslation(FactorRange height_factor, FactorRange width_factor,
                                     const std::string& fill_mode, const std::string& interpolation,
                                     float fill_value, std::optional<std::uint64_t> seed)
    : GeometricAugmentation("RandomTranslation", fill_mode, interpolation, fill_value, seed),
      height_factor_(height_factor),
      width_factor_(width_factor) {
  check_range("height_factor", height_factor_, -1.0f, 1.0f);
  check_range("width_factor", width_factor_, -1.0f, 1.0f);
}

void RandomTranslation::draw(Index n, const SampleStreams& streams) {
  transforms_.resize(n);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    const float dy = rng.uniform(height_factor_.lower, height_factor_.upper) * height();
    const float dx = rng.uniform(width_factor_.lower, width_factor_.upper) * width();
    transforms_[i] = translation_transform(dx, dy);
  }
}

Json RandomTranslation::get_config() const {
  Json config = resampling_config();
  config["height_factor"] = {height_factor_.lower, height_factor_.upper};
  config["width_factor"] = {width_factor_.lower, width_factor_.upper};
  return config;
}

RandomTranslation RandomTranslation::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [h_low, h_high] = config.range("height_factor");
  const auto [w_low, w_high] = config.range("width_factor");
  return RandomTranslation(
      FactorRange(h_low, h_high), FactorRange(w_low, w_high), config.string("fill_mode", "reflect"),
      config.string("interpolation", "bilinear"), config.number("fill_value", 0.0f), config.seed());
}

}  // namespace minidl
