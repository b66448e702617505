// The layer registry: class name -> factory, how a model file or a Keras archive makes its layers.
// Every built-in layer is registered; a user layer registers itself once before loading:
//
//   minidl::register_layer("Scale", [](const minidl::LayerConfig& c) {
//     return std::make_unique<Scale>(c.number("factor"));
//   });
//
// The factory reads the layer's own arguments; the name and seed are set by the caller.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <minidl/layers/layer.hpp>

namespace minidl {

using LayerFactory = std::function<std::unique_ptr<Layer>(const LayerConfig&)>;

// Throws when `class_name` is a built-in layer's; a second registration of a user class replaces
// the first. Safe to call from several threads.
void register_layer(const std::string& class_name, LayerFactory factory);
bool is_registered_layer(const std::string& class_name);
// One of minidl's own layers (the classes Keras has too).
bool is_built_in_layer(const std::string& class_name);

// A new layer of `class_name` from its config (Keras' form: its arguments, "name", optionally
// "seed"), named and seeded as the config says. `owner` starts error messages (e.g. the file).
std::unique_ptr<Layer> layer_from_config(const std::string& class_name, const Json& config,
                                         const std::string& owner);

}  // namespace minidl
