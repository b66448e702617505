// minidl model files: the architecture, the weights and (optionally) the compile settings and
// optimizer state in one file, written by Model::save and read by load_model.
//
//   model.save("out/model.minidl");                 // atomically: temporary file, fsync, rename
//   auto loaded = minidl::load_model("out/model.minidl");
//   loaded->predict(x);                             // bit for bit the saved model's predictions
//   loaded->fit(x, y, {.epochs = 10, .initial_epoch = 5});   // continues as if never stopped
//
// Format: the weights file of models/weights_file.hpp (magic, version, CRC-32) whose first entry
// is the text "model.json":
//   {"format": "minidl.model", "version": 1,
//    "model": Keras 3's config.json form with every layer's seed (models/saving/model_config.hpp),
//    "compile": Keras' compile_config form, present when saved with the optimizer,
//    "metadata": Model::metadata()}
// followed by the weights and optimizer entries of save_weights(path, include_optimizer).
#pragma once

#include <memory>
#include <string>

#include <minidl/models/model.hpp>

namespace minidl {

// The model of a file written by Model::save: a Sequential for a Sequential, a Model otherwise,
// compiled and with its optimizer state when the file has them. Every check (checksum, version,
// JSON, layer classes, weight names and shapes) passes before the model is returned; a problem
// is an Error naming the file.
std::unique_ptr<Model> load_model(const std::string& path);

}  // namespace minidl
