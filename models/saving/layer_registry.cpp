#include <minidl/models/saving/layer_registry.hpp>

#include <map>
#include <mutex>

#include <minidl/core/error.hpp>
#include <minidl/minidl.hpp>

namespace minidl {
namespace {

template <class L>
LayerFactory factory_of() {
  return [](const LayerConfig& config) { return std::make_unique<L>(L::from_config(config)); };
}

std::map<std::string, LayerFactory> built_in_layers() {
  return {
      {"Activation", factory_of<Activation>()},
      {"Add", factory_of<Add>()},
      {"AugMix", factory_of<AugMix>()},
      {"AutoContrast", factory_of<AutoContrast>()},
      {"Average", factory_of<Average>()},
      {"AveragePooling2D", factory_of<AveragePooling2D>()},
      {"BatchNormalization", factory_of<BatchNormalization>()},
      {"CenterCrop", factory_of<CenterCrop>()},
      {"Concatenate", factory_of<Concatenate>()},
      {"Conv2D", factory_of<Conv2D>()},
      {"Dense", factory_of<Dense>()},
      {"DepthwiseConv2D", factory_of<DepthwiseConv2D>()},
      {"Dropout", factory_of<Dropout>()},
      {"Equalization", factory_of<Equalization>()},
      {"Flatten", factory_of<Flatten>()},
      {"GlobalAveragePooling2D", factory_of<GlobalAveragePooling2D>()},
      {"GlobalMaxPooling2D", factory_of<GlobalMaxPooling2D>()},
      {"MaxPooling2D", factory_of<MaxPooling2D>()},
      {"Maximum", factory_of<Maximum>()},
      {"Multiply", factory_of<Multiply>()},
      {"Normalization", factory_of<Normalization>()},
      {"Pipeline", factory_of<Pipeline>()},
      {"RandAugment", factory_of<RandAugment>()},
      {"RandomApply", factory_of<RandomApply>()},
      {"RandomBrightness", factory_of<RandomBrightness>()},
      {"RandomChoice", factory_of<RandomChoice>()},
      {"RandomColorDegeneration", factory_of<RandomColorDegeneration>()},
      {"RandomColorJitter", factory_of<RandomColorJitter>()},
      {"RandomContrast", factory_of<RandomContrast>()},
      {"RandomCrop", factory_of<RandomCrop>()},
      {"RandomElasticTransform", factory_of<RandomElasticTransform>()},
      {"RandomErasing", factory_of<RandomErasing>()},
      {"RandomFlip", factory_of<RandomFlip>()},
      {"RandomGaussianBlur", factory_of<RandomGaussianBlur>()},
      {"RandomGrayscale", factory_of<RandomGrayscale>()},
      {"RandomHue", factory_of<RandomHue>()},
      {"RandomInvert", factory_of<RandomInvert>()},
      {"RandomPerspective", factory_of<RandomPerspective>()},
      {"RandomPosterization", factory_of<RandomPosterization>()},
      {"RandomResizedCrop", factory_of<RandomResizedCrop>()},
      {"RandomRotation", factory_of<RandomRotation>()},
      {"RandomSaturation", factory_of<RandomSaturation>()},
      {"RandomSharpness", factory_of<RandomSharpness>()},
      {"RandomShear", factory_of<RandomShear>()},
      {"RandomTranslation", factory_of<RandomTranslation>()},
      {"RandomZoom", factory_of<RandomZoom>()},
      {"ReLU", factory_of<ReLU>()},
      {"Rescaling", factory_of<Rescaling>()},
      {"Resizing", factory_of<Resizing>()},
      {"Solarization", factory_of<Solarization>()},
      {"Subtract", factory_of<Subtract>()},
      {"ZeroPadding2D", factory_of<ZeroPadding2D>()},
  };
}

struct Registry {
  std::mutex mutex;
  const std::map<std::string, LayerFactory> built_in = built_in_layers();
  std::map<std::string, LayerFactory> user;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void register_layer(const std::string& class_name, LayerFactory factory) {
  Registry& r = registry();
  if (r.built_in.count(class_name)) {
    throw Error("register_layer: '" + class_name + "' is a built-in layer's class name");
  }
  if (!factory) throw Error("register_layer: '" + class_name + "' was given no factory");
  const std::lock_guard<std::mutex> lock(r.mutex);
  r.user[class_name] = std::move(factory);
}

bool is_registered_layer(const std::string& class_name) {
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  return r.built_in.count(class_name) || r.user.count(class_name);
}

bool is_built_in_layer(const std::string& class_name) {
  return registry().built_in.count(class_name) > 0;
}

std::unique_ptr<Layer> layer_from_config(const std::string& class_name, const Json& config,
                                         const std::string& owner) {
  Registry& r = registry();
  LayerFactory factory;
  {
    const std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.built_in.find(class_name);
    if (it != r.built_in.end()) {
      factory = it->second;
    } else if (auto user = r.user.find(class_name); user != r.user.end()) {
      factory = user->second;
    }
  }
  std::string name;
  if (config.is_object() && config.contains("name") && config.at("name").is_string()) {
    name = config.at("name").get<std::string>();
  }
  const std::string label = owner + ": " + class_name + (name.empty() ? "" : " '" + name + "'");
  if (!factory) {
    throw Error(label +
                ": unknown layer class; a user layer is registered with register_layer "
                "before loading");
  }
  const LayerConfig reader(config, label);
  std::unique_ptr<Layer> layer;
  try {
    layer = factory(reader);
  } catch (const Error& e) {
    // A constructor's own check ("Conv2D: filters must be >= 1") gets the file and layer name.
    const std::string what = e.what();
    throw Error(what.rfind(label, 0) == 0 ? what : label + ": " + what);
  } catch (const Json::exception& e) {  // a user factory reading the JSON directly
    throw Error(label + ": bad config: " + e.what());
  }
  if (!layer) throw Error(label + ": the registered factory returned no layer");
  if (layer->type() != class_name) {
    throw Error(label + ": the registered factory made a " + layer->type());
  }
  if (!name.empty()) layer->set_name(name);
  if (auto seed = reader.seed()) layer->set_seed(*seed);
  if (auto policy = reader.dtype_policy()) layer->set_dtype_policy(*policy);
  return layer;
}

}  // namespace minidl
