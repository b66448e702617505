// A model's compile settings as JSON, in Keras 3's compile_config form: {"optimizer":
// {"class_name", "config"}, "loss": one {"class_name", "config"} or a list (one per output),
// "loss_weights", "metrics"}. The Keras dialect leaves out what Keras' classes would not take
// ("exclude_from_weight_decay").
#pragma once

#include <string>

#include <minidl/models/model.hpp>
#include <minidl/models/saving/model_config.hpp>

namespace minidl {

// The model must be compiled.
Json compile_config(Model& model, ConfigDialect dialect);

// Compiles `model` as `config` says; Keras' loss names ("sparse_categorical_crossentropy") and
// per-output dicts are accepted. `owner` starts error messages (the file's name).
void compile_from_config(Model& model, const Json& config, const std::string& owner);

}  // namespace minidl
