// Keras 3 `.keras` archives, both ways: a zip holding config.json (the architecture, in the form
// models/saving/model_config.hpp reads and writes), metadata.json and model.weights.h5 (HDF5:
// layers/<key>/vars/<i>, where <key> is the layer's class in snake_case numbered in Keras' layer
// order, "conv2d", "conv2d_1", ...; models/saving/keras_weights.hpp).
//
//   auto model = minidl::load_keras_model("model.keras");   // made and trained in Keras
//   model->predict(x);                                       // Keras' predictions within 1e-5
//   model->fit(x, y, {.epochs = 3});                         // keeps training, with its compile
//   minidl::save_keras_model(*model, "back.keras");          // keras.saving.load_model opens it
//
// Import takes every layer minidl has, with Keras' arguments. What minidl would compute
// differently is refused with the reason, not approximated: a layer class minidl lacks (all of
// them listed in one error), channels_first, dilated or grouped convolutions, regularizers,
// BatchNormalization without center/scale, Resizing with crop/pad to aspect ratio or antialias,
// and RandomCrop smaller than its input (Keras 3 returns such an input uncropped at inference,
// minidl crops its centre). The compile settings are taken when minidl has the optimizer and loss
// (SGD, Adam, AdamW, RMSprop; the cross-entropies and MSE), and with them the optimizer's state
// (step count and slots; not RMSprop's, which starts afresh): training continues where Keras
// stopped. metadata.json becomes Model::metadata().
//
// Export writes what Keras itself writes for these layers (configs with Keras' keys, the weights
// and optimizer state in Keras' order and layout, compile_config when the model is compiled,
// Model::metadata() merged into metadata.json), atomically. A model with a user-defined layer
// cannot be exported.
#pragma once

#include <memory>
#include <string>

#include <minidl/models/model.hpp>

namespace minidl {

// compile=false skips the compile settings (Keras' load_model(compile=False)), for a file whose
// optimizer or loss minidl does not have.
std::unique_ptr<Model> load_keras_model(const std::string& path, bool compile = true);

void save_keras_model(Model& model, const std::string& path);

}  // namespace minidl
