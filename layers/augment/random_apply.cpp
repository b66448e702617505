#include <minidl/layers/augment/random_apply.hpp>

#include <algorithm>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

RandomApply::RandomApply(std::shared_ptr<AugmentationLayer> layer, float p,
                         std::optional<std::uint64_t> seed)
    : AugmentationComposite({std::move(layer)}, seed), probability_(p) {
  if (!(p >= 0.0f && p <= 1.0f)) {
    throw Error(fmt::format("RandomApply: p is a probability in [0, 1], got {}", p));
  }
}

Shape RandomApply::build_impl(const Shape& s) {
  AugmentationLayer::build_impl(s);
  build_all_keeping(s, "RandomApply needs a layer that keeps it");
  return s;
}

void RandomApply::draw(Index n, const SampleStreams& streams) {
  applied_.assign(std::size_t(n), false);
  for (Index i = 0; i < n; ++i) applied_[std::size_t(i)] = streams(i).uniform() < probability_;
  draw_all(n, streams);
}

void RandomApply::transform(Index i, const float* in, float* out) const {
  if (applied_[std::size_t(i)]) {
    inner_transform(*layers_[0], i, in, out);
  } else {
    std::copy(in, in + height() * width() * channels(), out);
  }
}

void RandomApply::transform_mask(Index i, const float* in, float* out, float fill) const {
  if (applied_[std::size_t(i)]) {
    inner_mask(*layers_[0], i, in, out, fill);
  } else {
    std::copy(in, in + height() * width(), out);
  }
}

void RandomApply::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  if (applied_[std::size_t(i)]) inner_boxes(*layers_[0], i, boxes);
}

Json RandomApply::get_config() const {
  return {{"layer", layers_config()[0]}, {"p", probability_}};
}

RandomApply RandomApply::from_config(const LayerConfig& config) {
  if (!config.has("layer")) config.fail("layer", "is missing");
  return RandomApply(layers_from_json(Json::array({config.json().at("layer")}), config.owner())[0],
                     config.number("p", 0.5f), config.seed());
}

}  // namespace minidl
