#include <minidl/layers/augment/random_zoom.hpp>

namespace minidl {

RandomZoom::RandomZoom(FactorRange height_factor, std::optional<FactorRange> width_factor,
                       const std::string& fill_mode, const std::string& interpolation,
                       float fill_value, std::optional<std::uint64_t> seed)
    : GeometricAugmentation("RandomZoom", fill_mode, interpolation, fill_value, seed),
      height_factor_(height_factor),
      width_factor_(width_factor) {
  check_range("height_factor", height_factor_, -1.0f, 1.0f);
  if (width_factor_) check_range("width_factor", *width_factor_, -1.0f, 1.0f);
}

void RandomZoom::draw(Index n, const SampleStreams& streams) {
  transforms_.resize(n);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    const float zy = 1.0f + rng.uniform(height_factor_.lower, height_factor_.upper);
    const float zx =
        width_factor_ ? 1.0f + rng.uniform(width_factor_->lower, width_factor_->upper) : zy;
    transforms_[i] = zoom_transform(zx, zy, height(), width());
  }
}

Json RandomZoom::get_config() const {
  Json config = resampling_config();
  config["height_factor"] = {height_factor_.lower, height_factor_.upper};
  config["width_factor"] =
      width_factor_ ? Json{width_factor_->lower, width_factor_->upper} : Json(nullptr);
  return config;
}

RandomZoom RandomZoom::from_config(const LayerConfig& config) {
  require_channels_last(config);
  const auto [h_low, h_high] = config.range("height_factor");
  std::optional<FactorRange> width;
  if (config.has("width_factor")) {
    const auto [w_low, w_high] = config.range("width_factor");
    width = FactorRange(w_low, w_high);
  }
  return RandomZoom(FactorRange(h_low, h_high), width, config.string("fill_mode", "reflect"),
                    config.string("interpolation", "bilinear"), config.number("fill_value", 0.0f),
                    config.seed());
}

}  // namespace minidl
