#include <minidl/layers/augment/random_choice.hpp>

#include <minidl/core/error.hpp>

namespace minidl {

RandomChoice::RandomChoice(AugmentationLayers layers, std::optional<std::uint64_t> seed)
    : AugmentationComposite(std::move(layers), seed) {
  if (layers_.empty()) throw Error("RandomChoice: needs at least one layer to choose from");
}

Shape RandomChoice::build_impl(const Shape& s) {
  AugmentationLayer::build_impl(s);
  build_all_keeping(s, "RandomChoice needs layers that keep it");
  return s;
}

void RandomChoice::draw(Index n, const SampleStreams& streams) {
  choices_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) {
    choices_[std::size_t(i)] = static_cast<Index>(streams(i).below(layers_.size()));
  }
  draw_all(n, streams);
}

void RandomChoice::transform(Index i, const float* in, float* out) const {
  inner_transform(*layers_[std::size_t(choices_[std::size_t(i)])], i, in, out);
}

void RandomChoice::transform_mask(Index i, const float* in, float* out, float fill) const {
  inner_mask(*layers_[std::size_t(choices_[std::size_t(i)])], i, in, out, fill);
}

void RandomChoice::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  inner_boxes(*layers_[std::size_t(choices_[std::size_t(i)])], i, boxes);
}

Json RandomChoice::get_config() const {
  return {{"layers", layers_config()}};
}

RandomChoice RandomChoice::from_config(const LayerConfig& config) {
  if (!config.has("layers")) config.fail("layers", "is missing");
  return RandomChoice(layers_from_json(config.json().at("layers"), config.owner()), config.seed());
}

}  // namespace minidl
