#include <minidl/layers/augment/random_erasing.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

RandomErasing::RandomErasing(float factor, FactorRange scale, FactorRange ratio,
                             std::vector<float> fill_value, ValueRange value_range,
                             std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      probability_(factor),
      scale_(scale),
      ratio_(ratio),
      fill_(std::move(fill_value)),
      range_(value_range) {
  if (!(factor >= 0.0f && factor <= 1.0f)) {
    throw Error(fmt::format("RandomErasing: factor is a probability in [0, 1], got {}", factor));
  }
  check_range("scale", scale_, 0.0f, 1.0f);
  if (!(ratio_.lower > 0.0f && ratio_.lower <= ratio_.upper)) {
    throw Error(
        fmt::format("RandomErasing: ratio must be a range of aspect ratios > 0, got ({}, {})",
                    ratio_.lower, ratio_.upper));
  }
  check_value_range(range_, "RandomErasing");
}

void RandomErasing::draw(Index n, const SampleStreams& streams) {
  rectangles_.assign(std::size_t(n), Rectangle{});
  const Index h = height(), w = width();
  if (!fill_.empty() && fill_.size() != 1 && Index(fill_.size()) != channels()) {
    throw Error(label() + ": fill_value has " + std::to_string(fill_.size()) +
                " values for images of " + std::to_string(channels()) + " channels");
  }
  const double log_low = std::log(ratio_.lower), log_high = std::log(ratio_.upper);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    if (!(rng.uniform() < probability_)) continue;
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double area = double(h * w) * rng.uniform(scale_.lower, scale_.upper);
      const double aspect = std::exp(log_low + (log_high - log_low) * rng.uniform_double());
      const auto rh = static_cast<Index>(std::lround(std::sqrt(area / aspect)));
      const auto rw = static_cast<Index>(std::lround(std::sqrt(area * aspect)));
      if (rh < 1 || rw < 1 || rh > h || rw > w) continue;
      Rectangle& r = rectangles_[std::size_t(i)];
      r.height = rh;
      r.width = rw;
      r.top = static_cast<Index>(rng.below(std::uint64_t(h - rh + 1)));
      r.left = static_cast<Index>(rng.below(std::uint64_t(w - rw + 1)));
      r.noise_seed = rng.next_u64();
      break;
    }
  }
}

void RandomErasing::transform(Index i, const float* in, float* out) const {
  const Index h = height(), w = width(), c = channels();
  std::copy(in, in + h * w * c, out);
  const Rectangle& r = rectangles_[std::size_t(i)];
  if (fill_.empty()) {
    // Noise, row by row of the rectangle.
    Generator noise(r.noise_seed);
    for (Index y = r.top; y < r.top + r.height; ++y) {
      noise.fill_uniform(out + (y * w + r.left) * c, r.width * c, range_.low, range_.high);
    }
    return;
  }
  std::vector<float> pixel(static_cast<std::size_t>(c));
  for (Index k = 0; k < c; ++k) {
    pixel[std::size_t(k)] =
        std::clamp(fill_[fill_.size() == 1 ? 0 : std::size_t(k)], range_.low, range_.high);
  }
  for (Index y = r.top; y < r.top + r.height; ++y) {
    for (Index x = r.left; x < r.left + r.width; ++x) {
      std::copy(pixel.begin(), pixel.end(), out + (y * w + x) * c);
    }
  }
}

Json RandomErasing::get_config() const {
  Json config = {{"factor", probability_},
                 {"scale", {scale_.lower, scale_.upper}},
                 {"ratio", {ratio_.lower, ratio_.upper}},
                 {"value_range", {range_.low, range_.high}}};
  config["fill_value"] = fill_.empty() ? Json(nullptr) : Json(fill_);
  return config;
}

RandomErasing RandomErasing::from_config(const LayerConfig& config) {
  require_channels_last(config);
  auto range = [&](const char* key, FactorRange fallback) {
    if (!config.has(key)) return fallback;
    const auto [low, high] = config.range(key);
    return FactorRange(low, high);
  };
  std::vector<float> fill;
  if (config.has("fill_value")) {
    fill = config.json().at("fill_value").is_array()
               ? config.numbers("fill_value")
               : std::vector<float>{config.number("fill_value")};
  }
  return RandomErasing(probability_of(config, "factor", 0.5f), range("scale", {0.02f, 0.33f}),
                       range("ratio", {0.3f, 3.3f}), std::move(fill), value_range_of(config),
                       config.seed());
}

}  // namespace minidl
