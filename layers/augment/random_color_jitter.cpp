#include <minidl/layers/augment/random_color_jitter.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/augment/random_brightness.hpp>
#include <minidl/layers/augment/random_contrast.hpp>
#include <minidl/layers/augment/random_hue.hpp>
#include <minidl/layers/augment/random_saturation.hpp>

namespace minidl {

RandomColorJitter::RandomColorJitter(ValueRange value_range,
                                     std::optional<FactorRange> brightness_factor,
                                     std::optional<FactorRange> contrast_factor,
                                     std::optional<FactorRange> saturation_factor,
                                     std::optional<FactorRange> hue_factor,
                                     std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), range_(value_range) {
  check_value_range(range_, "RandomColorJitter");
  // The sub-layers' constructors check each factor as they would.
  if (brightness_factor) {
    check_range("brightness_factor", *brightness_factor, -1.0f, 1.0f);
    factors_[Brightness] = brightness_factor;
  }
  if (contrast_factor) {
    const FactorRange c = *contrast_factor;
    // RandomContrast's reading: f alone (-f, f) means [1 - f, 1 + f]; a pair (a, b) [1-a, 1+b].
    factors_[Contrast] = FactorRange(c.lower < 0 ? -c.lower : c.lower, c.upper);
    check_range("contrast_factor", *factors_[Contrast], 0.0f, 1.0f);
  }
  if (saturation_factor) {
    factors_[Saturation] = from_zero(*saturation_factor);
    check_range("saturation_factor", *factors_[Saturation], 0.0f, 1.0f);
  }
  if (hue_factor) {
    factors_[Hue] = from_zero(*hue_factor);
    check_range("hue_factor", *factors_[Hue], 0.0f, 1.0f);
  }
}

Shape RandomColorJitter::build_impl(const Shape& s) {
  if (factors_[Saturation] || factors_[Hue]) check_rgb(s, label());
  return AugmentationLayer::build_impl(s);
}

void RandomColorJitter::draw(Index n, const SampleStreams& streams) {
  draws_.assign(std::size_t(n), Draw{});
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    Draw& d = draws_[std::size_t(i)];
    Index order[4] = {Brightness, Contrast, Saturation, Hue};
    rng.shuffle(order, 4);
    for (Index op : order) {
      if (!factors_[std::size_t(op)]) continue;
      const FactorRange& f = *factors_[std::size_t(op)];
      float v = op == Contrast ? rng.uniform(1.0f - f.lower, 1.0f + f.upper)
                               : rng.uniform(f.lower, f.upper);
      if (op == Brightness) v *= range_.high - range_.low;
      if (op == Saturation) v = v / (1.0f - v + 1e-7f);
      if (op == Hue) v = 0.5f * (rng.uniform() < 0.5f ? -v : v);
      d.order.push_back(static_cast<Op>(op));
      d.value[std::size_t(op)] = v;
    }
  }
}

void RandomColorJitter::transform(Index i, const float* in, float* out) const {
  const Index pixels = height() * width(), size = pixels * channels();
  const Draw& d = draws_[std::size_t(i)];
  if (d.order.empty()) {
    std::copy(in, in + size, out);
    return;
  }
  // The ops take turns writing `out` and a scratch image, arranged so that the last writes `out`.
  // A Tensor, not a vector: pooled, so that large images do not fault in fresh pages each time.
  Tensor scratch(Shape{size});
  const float* src = in;
  for (std::size_t k = 0; k < d.order.size(); ++k) {
    float* dst = (d.order.size() - 1 - k) % 2 == 0 ? out : scratch.data();
    const float v = d.value[std::size_t(d.order[k])];
    switch (d.order[k]) {
      case Brightness:
        adjust_brightness(src, dst, size, v, range_);
        break;
      case Contrast:
        adjust_contrast(src, dst, height(), width(), channels(), v, range_);
        break;
      case Saturation:
        adjust_saturation(src, dst, pixels, v, range_);
        break;
      case Hue:
        adjust_hue(src, dst, pixels, v, range_);
        break;
    }
    src = dst;
  }
}

Json RandomColorJitter::get_config() const {
  Json config = {{"value_range", {range_.low, range_.high}}};
  auto put = [&](const char* key, Op op, FactorRange stored) {
    config[key] = factors_[op] ? Json::array({stored.lower, stored.upper}) : Json(nullptr);
  };
  const FactorRange none(0.0f, 0.0f);
  put("brightness_factor", Brightness, factors_[Brightness].value_or(none));
  put("contrast_factor", Contrast, factors_[Contrast].value_or(none));
  put("saturation_factor", Saturation, factors_[Saturation].value_or(none));
  put("hue_factor", Hue, factors_[Hue].value_or(none));
  return config;
}

RandomColorJitter RandomColorJitter::from_config(const LayerConfig& config) {
  require_channels_last(config);
  auto factor = [&](const char* key) -> std::optional<FactorRange> {
    if (!config.has(key)) return std::nullopt;
    const auto [low, high] = config.range(key);
    return FactorRange(low, high);
  };
  return RandomColorJitter(value_range_of(config), factor("brightness_factor"),
                           factor("contrast_factor"), factor("saturation_factor"),
                           factor("hue_factor"), config.seed());
}

}  // namespace minidl
