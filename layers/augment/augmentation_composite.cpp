#include <minidl/layers/augment/augmentation_composite.hpp>

#include <minidl/core/error.hpp>
#include <minidl/models/saving/layer_registry.hpp>

namespace minidl {

AugmentationComposite::AugmentationComposite(AugmentationLayers layers,
                                             std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), layers_(std::move(layers)) {
  for (const auto& l : layers_) {
    if (!l) throw Error("augmentation composite: got an empty layer");
  }
}

void AugmentationComposite::build_all_keeping(const Shape& s, const char* what) {
  for (const auto& l : layers_) {
    const Shape out = l->build(s);
    if (out != s) {
      throw Error(label() + ": " + l->label() + " changes the image shape " + s.str_batched() +
                  " to " + out.str_batched() + "; " + what);
    }
  }
}

void AugmentationComposite::draw_all(Index n, const SampleStreams& streams) {
  for (std::size_t k = 0; k < layers_.size(); ++k) inner_draw(*layers_[k], n, streams.part(k + 1));
}

Json AugmentationComposite::layers_config() const {
  Json layers = Json::array();
  for (const auto& l : layers_) {
    layers.push_back({{"class_name", l->type()}, {"config", l->get_config()}});
  }
  return layers;
}

AugmentationLayers AugmentationComposite::layers_from_json(const Json& list,
                                                           const std::string& owner) {
  if (!list.is_array()) throw Error(owner + ": 'layers' must be a list, got " + list.dump());
  AugmentationLayers layers;
  for (const Json& entry : list) {
    const std::string class_name = entry.value("class_name", "");
    std::shared_ptr<Layer> layer =
        layer_from_config(class_name, entry.value("config", Json::object()), owner);
    auto augmentation = std::dynamic_pointer_cast<AugmentationLayer>(layer);
    if (!augmentation) {
      throw Error(owner + ": '" + class_name + "' is not an augmentation layer");
    }
    layers.push_back(std::move(augmentation));
  }
  return layers;
}

}  // namespace minidl
