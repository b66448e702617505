#include <minidl/layers/augment/random_shear.hpp>

namespace minidl {

RandomShear::RandomShear(FactorRange x_factor, FactorRange y_factor,
                         const std::string& interpolation, const std::string& fill_mode,
                         float fill_value, std::optional<std::uint64_t> seed)
    : GeometricAugmentation("RandomShear", fill_mode, interpolation, fill_value, seed),
      x_(x_factor),
      y_(y_factor) {
  check_range("x_factor", x_, -1.0f, 1.0f);
  check_range("y_factor", y_, -1.0f, 1.0f);
}

void RandomShear::draw(Index n, const SampleStreams& streams) {
  transforms_.resize(std::size_t(n));
  const double cx = 0.5 * double(width() - 1), cy = 0.5 * double(height() - 1);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    const float sx = rng.uniform(x_.lower, x_.upper);
    transforms_[std::size_t(i)] = shear_transform(sx, rng.uniform(y_.lower, y_.upper), cx, cy);
  }
}

Json RandomShear::get_config() const {
  Json config = resampling_config();
  config["x_factor"] = {x_.lower, x_.upper};
  config["y_factor"] = {y_.lower, y_.upper};
  return config;
}

RandomShear RandomShear::from_config(const LayerConfig& config) {
  require_channels_last(config);
  auto factor = [&](const char* key) {
    if (!config.has(key)) return FactorRange(0.0f);
    const auto [low, high] = config.range(key);
    return FactorRange(low, high);
  };
  return RandomShear(
      factor("x_factor"), factor("y_factor"), config.string("interpolation", "bilinear"),
      config.string("fill_mode", "reflect"), config.number("fill_value", 0.0f), config.seed());
}

}  // namespace minidl
