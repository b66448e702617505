#include <minidl/layers/augment/random_perspective.hpp>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

RandomPerspective::RandomPerspective(float factor, float scale, const std::string& interpolation,
                                     float fill_value, const std::string& fill_mode,
                                     std::optional<std::uint64_t> seed)
    : GeometricAugmentation("RandomPerspective", fill_mode, interpolation, fill_value, seed),
      probability_(factor),
      scale_(scale) {
  if (!(factor >= 0.0f && factor <= 1.0f)) {
    throw Error(
        fmt::format("RandomPerspective: factor is a probability in [0, 1], got {}", factor));
  }
  // Beyond 1 two corners could cross.
  if (!(scale >= 0.0f && scale <= 1.0f)) {
    throw Error(fmt::format("RandomPerspective: scale must be in [0, 1], got {}", scale));
  }
}

void RandomPerspective::draw(Index n, const SampleStreams& streams) {
  transforms_.assign(std::size_t(n), AffineTransform{});
  const float w = float(width() - 1), h = float(height() - 1);
  const float corners[4][2] = {{0, 0}, {w, 0}, {0, h}, {w, h}};  // TL, TR, BL, BR
  corners_.assign(std::size_t(n), Corners{{{0, 0}, {w, 0}, {0, h}, {w, h}}});
  if (w == 0 || h == 0) return;  // a one-pixel line has no perspective
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    if (!(rng.uniform() < probability_)) continue;
    float moved[4][2];
    for (int k = 0; k < 4; ++k) {
      const float dx = rng.uniform(0.0f, 0.5f * scale_) * w;
      const float dy = rng.uniform(0.0f, 0.5f * scale_) * h;
      moved[k][0] = corners[k][0] + (corners[k][0] == 0 ? dx : -dx);
      moved[k][1] = corners[k][1] + (corners[k][1] == 0 ? dy : -dy);
      corners_[std::size_t(i)][std::size_t(k)] = {moved[k][0], moved[k][1]};
    }
    transforms_[std::size_t(i)] = homography(corners, moved);
  }
}

Json RandomPerspective::get_config() const {
  Json config = resampling_config();
  config["factor"] = probability_;
  config["scale"] = scale_;
  return config;
}

RandomPerspective RandomPerspective::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return RandomPerspective(probability_of(config, "factor", 0.5f), config.number("scale", 1.0f),
                           config.string("interpolation", "bilinear"),
                           config.number("fill_value", 0.0f),
                           config.string("fill_mode", "constant"), config.seed());
}

}  // namespace minidl
