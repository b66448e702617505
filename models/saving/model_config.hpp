// A model's architecture as JSON, in Keras 3's config.json form: {"class_name": "Sequential" or
// "Functional", "config": {"name", "layers": [...], ...}}. A Functional model's layers list each
// call of a layer as an inbound node whose arguments name the layer, call and output they read
// (Keras' keras_history); a Sequential's start with its InputLayer.
//
// Two dialects of the same form: minidl's model files add every layer's "seed" and the model's
// ("seed" beside "name"), so that a loaded model trains on exactly as the saved one would; a Keras
// archive keeps "seed" only where Keras' layer takes one (Dropout, the augmentation layers).
#pragma once

#include <memory>
#include <string>

#include <minidl/models/model.hpp>

namespace minidl {

enum class ConfigDialect { Minidl, Keras };

// The model must be built (a Sequential knows its input shape).
Json model_to_config(Model& model, ConfigDialect dialect);

// A new model (a Sequential for "Sequential"), built, with freshly drawn weights. Every layer
// class must be registered: otherwise the error lists each unknown layer with its class. `owner`
// starts error messages (the file's name).
std::unique_ptr<Model> model_from_config(const Json& config, const std::string& owner);

}  // namespace minidl
