#include <minidl/models/saving/keras_archive.hpp>

#include <ctime>
#include <map>

#include <minidl/core/error.hpp>
#include <minidl/core/file_io.hpp>
#include <minidl/models/saving/compile_config.hpp>
#include <minidl/models/saving/detail/hdf5_image.hpp>
#include <minidl/models/saving/detail/zip_archive.hpp>
#include <minidl/models/saving/layer_registry.hpp>
#include <minidl/models/saving/model_config.hpp>
#include <minidl/models/sequential.hpp>

namespace minidl {
namespace {

constexpr const char* kConfig = "config.json";
constexpr const char* kMetadata = "metadata.json";
constexpr const char* kWeights = "model.weights.h5";

std::string entry_name(const Json& entry) {
  if (entry.contains("name") && entry["name"].is_string()) return entry["name"];
  const Json& config = entry.value("config", Json::object());
  return config.contains("name") && config["name"].is_string() ? config["name"].get<std::string>()
                                                               : std::string();
}

// Keras' key of each layer entry in model.weights.h5, in config order: the class in snake_case,
// numbered per class ("conv2d", "conv2d_1"). A Sequential's InputLayer has none ("").
std::vector<std::string> weight_keys(const Json& layers, bool sequential) {
  std::map<std::string, int> used;
  std::vector<std::string> keys;
  for (const Json& entry : layers) {
    const std::string cls = entry.value("class_name", "");
    if (sequential && cls == "InputLayer") {
      keys.emplace_back();
      continue;
    }
    const std::string base = default_layer_name(cls);
    const int n = used[base]++;
    keys.push_back(n ? base + "_" + std::to_string(n) : base);
  }
  return keys;
}

Json parse_member(const std::map<std::string, std::string>& members, const char* name,
                  const std::string& owner) {
  try {
    return Json::parse(members.at(name));
  } catch (const Json::exception& e) {
    throw Error(owner + ": " + name + " is not valid JSON: " + e.what());
  }
}

// Equalization runs at inference in minidl (as documented) but not in Keras 3, so a model with
// one would predict differently.
constexpr const char* kEqualizationAtInference =
    "Equalization equalises at inference in minidl (as Keras documents) but Keras 3 skips it "
    "there, so the model's predictions would differ";

// Keras arguments whose inference result minidl would not reproduce, seen with the input shape.
void refuse_differing_semantics(const Json& entry, const std::string& owner) {
  if (entry.value("class_name", "") == "Equalization") {
    throw Error(owner + ": '" + entry_name(entry) + "': " + kEqualizationAtInference);
  }
  if (entry.value("class_name", "") != "RandomCrop") return;
  const Json& config = entry["config"];
  const Json shape = entry.value("build_config", Json::object()).value("input_shape", Json());
  if (!shape.is_array() || shape.size() != 4 || !config.contains("height")) return;
  if (shape[1] != config["height"] || shape[2] != config["width"]) {
    throw Error(owner + ": RandomCrop '" + entry_name(entry) + "' crops " + shape.dump() + " to " +
                config["height"].dump() + "x" + config["width"].dump() +
                ": Keras 3 returns such an input uncropped at inference while minidl crops its "
                "centre, so the model's predictions would differ; crop to the input's size or use "
                "CenterCrop");
  }
}

// The trainable parameters in Keras' order (its trainable_variables: the layers in config order,
// each layer's in its own order), which is the order of Keras' optimizer slots.
std::vector<Parameter*> keras_trainable_order(Model& model, const Json& layers) {
  std::vector<Parameter*> params;
  for (const Json& entry : layers) {
    if (entry.value("class_name", "") == "InputLayer") continue;
    for (Parameter* p : model.layer(entry_name(entry)).parameters()) {
      if (p->trainable) params.push_back(p);
    }
  }
  return params;
}

// Keras keeps optimizer/vars: 0 the step count (int64), 1 the learning rate unless a schedule
// gives it, then each trainable variable's slots in turn (SGD's momentum; Adam's m and v), with
// the update rules minidl's optimizers share. RMSprop's slot order is not mapped: its state
// starts afresh.
bool keras_state_maps(const Optimizer& optimizer) {
  return optimizer.name() == "SGD" || optimizer.name() == "Adam" || optimizer.name() == "AdamW";
}

// The index in optimizer/vars of the first slot.
std::size_t first_slot_variable(const Optimizer& optimizer) {
  return optimizer.has_schedule() ? 1 : 2;
}

void import_optimizer_state(Model& model, const Json& layers, const detail::Hdf5Reader& weights,
                            const std::string& owner) {
  Optimizer& optimizer = model.optimizer();
  const std::vector<Tensor> vars = weights.numbered_datasets("optimizer/vars");
  const std::size_t first = first_slot_variable(optimizer);
  if (vars.size() <= first || !keras_state_maps(optimizer)) return;  // never stepped, or unmapped
  const std::vector<Parameter*> order = keras_trainable_order(model, layers);
  const auto per = static_cast<std::size_t>(optimizer.slots_per_parameter());
  if (vars.size() != first + order.size() * per) {
    throw Error(owner + ": the " + optimizer.name() + " state in " + kWeights + " has " +
                std::to_string(vars.size()) + " variables, expected " +
                std::to_string(first + order.size() * per) + " for " +
                std::to_string(order.size()) + " trainable weights");
  }
  std::map<const Parameter*, std::vector<Tensor>> slots;
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::size_t k = 0; k < per; ++k) {
      const Tensor& v = vars[first + i * per + k];
      if (v.shape() != order[i]->value.shape()) {
        throw Error(owner + ": optimizer variable " + std::to_string(first + i * per + k) + " is " +
                    v.shape().str() + ", its weight '" + order[i]->name + "' " +
                    order[i]->value.shape().str());
      }
      slots[order[i]].push_back(v.clone());
    }
  }
  std::vector<std::vector<Tensor>> state;
  for (Parameter* p : model.parameters(/*trainable_only=*/true))
    state.push_back(std::move(slots[p]));
  optimizer.set_state(static_cast<long>(weights.integer("optimizer/vars/0")), std::move(state));
  if (!optimizer.has_schedule() && vars[1].size() == 1) optimizer.set_learning_rate(vars[1][0]);
}

std::vector<float> values_of(const Tensor& t) {
  return std::vector<float>(t.data(), t.data() + t.size());
}

// load_keras_model without its conversion of JSON type errors.
std::unique_ptr<Model> load_keras_archive(const std::string& path, bool compile) {
  const std::string owner = "Keras archive '" + path + "'";
  const std::map<std::string, std::string> members = detail::read_zip(path);
  for (const char* required : {kConfig, kWeights}) {
    if (!members.count(required)) throw Error(owner + ": the archive has no " + required);
  }
  Json config = parse_member(members, kConfig, owner);
  if (!config.is_object() || !config.contains("config") || !config["config"].is_object() ||
      !config["config"].contains("layers") || !config["config"]["layers"].is_array()) {
    throw Error(owner + ": config.json is not a Keras model config (no config.layers)");
  }
  const bool sequential = config.value("class_name", "") == "Sequential";
  Json& layers = config["config"]["layers"];
  const std::vector<std::string> keys = weight_keys(layers, sequential);
  const detail::Hdf5Reader weights(members.at(kWeights), owner + ": " + kWeights);
  std::map<std::string, std::vector<Tensor>> values;  // layer name -> its variables
  for (std::size_t i = 0; i < layers.size(); ++i) {
    Json& entry = layers[i];
    if (!entry.is_object() || !entry.contains("config") || !entry["config"].is_object()) {
      throw Error(owner + ": config.json layer " + std::to_string(i) + " has no config");
    }
    if (keys[i].empty() || entry.value("class_name", "") == "InputLayer") continue;
    const std::string name = entry_name(entry);
    const std::string group = "layers/" + keys[i] + "/vars";
    std::vector<Tensor> vars = weights.numbered_datasets(group);
    Json& c = entry["config"];
    // An adapted Normalization keeps its statistics as variables (mean, variance, count).
    if (entry.value("class_name", "") == "Normalization" && c.value("mean", Json()).is_null()) {
      if (vars.size() < 2) {
        throw Error(owner + ": Normalization '" + name + "' has neither a mean in its config " +
                    "nor adapted statistics in " + kWeights);
      }
      c["mean"] = values_of(vars[0]);
      c["variance"] = values_of(vars[1]);
      vars.clear();
    }
    refuse_differing_semantics(entry, owner);
    values[name] = std::move(vars);
  }
  std::unique_ptr<Model> model = model_from_config(config, owner);
  for (const auto& [name, vars] : values) {
    Layer& layer = model->layer(name);
    const std::vector<Parameter*> params = layer.parameters();
    if (params.size() != vars.size()) {
      throw Error(owner + ": " + layer.label() + " has " + std::to_string(params.size()) +
                  " weights, " + kWeights + " holds " + std::to_string(vars.size()));
    }
    for (std::size_t k = 0; k < params.size(); ++k) {
      if (params[k]->value.shape() != vars[k].shape()) {
        throw Error(owner + ": " + layer.label() + " weight '" + params[k]->name + "' is " +
                    params[k]->value.shape().str() + ", " + kWeights + " holds " +
                    vars[k].shape().str());
      }
    }
    for (std::size_t k = 0; k < params.size(); ++k) params[k]->value = vars[k].clone();
  }
  if (members.count(kMetadata)) model->metadata() = parse_member(members, kMetadata, owner);
  const Json compile_settings = config.value("compile_config", Json());
  if (compile && compile_settings.is_object() && !compile_settings.empty()) {
    try {
      compile_from_config(*model, compile_settings, owner);
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + " (load with compile=false for inference)");
    }
    import_optimizer_state(*model, layers, weights, owner);
  }
  return model;
}

}  // namespace

std::unique_ptr<Model> load_keras_model(const std::string& path, bool compile) {
  try {
    return load_keras_archive(path, compile);
  } catch (const Json::exception& e) {  // a value of another type than Keras writes
    throw Error("Keras archive '" + path + "': malformed config.json: " + e.what());
  }
}

void save_keras_model(Model& model, const std::string& path) {
  const std::string owner = "save_keras_model '" + path + "'";
  for (std::size_t i = 0; i < model.size(); ++i) {
    const Layer& layer = model.layer(i);
    if (!is_built_in_layer(layer.type())) {
      throw Error(owner + ": " + layer.label() +
                  " is a user-defined layer, which Keras cannot load");
    }
    // minidl's own layers, and Pipeline, whose nested layers are not written in Keras' form.
    for (const char* own : {"RandomResizedCrop", "RandomApply", "RandomChoice", "Pipeline"}) {
      if (layer.type() == own) {
        throw Error(owner + ": " + layer.label() + " has no Keras 3 counterpart that loads it");
      }
    }
    if (layer.type() == "Equalization") {
      throw Error(owner + ": " + layer.label() + ": " + kEqualizationAtInference);
    }
    if (layer.type() == "RandomCrop" && layer.input_shape() != layer.output_shape()) {
      throw Error(owner + ": " + layer.label() + " crops " + layer.input_shape().str() + " to " +
                  layer.output_shape().str() + ", which Keras 3 does not do at inference: its " +
                  "predictions would differ from minidl's");
    }
  }
  Json config = model_to_config(model, ConfigDialect::Keras);
  if (model.compiled()) {
    Json settings = compile_config(model, ConfigDialect::Keras);
    settings["weighted_metrics"] = nullptr;
    settings["run_eagerly"] = false;
    settings["steps_per_execution"] = 1;
    settings["jit_compile"] = false;
    config["compile_config"] = std::move(settings);
  }
  const bool sequential = dynamic_cast<Sequential*>(&model) != nullptr;
  const Json& layers = config["config"]["layers"];
  const std::vector<std::string> keys = weight_keys(layers, sequential);
  std::vector<std::pair<std::string, const Tensor*>> datasets;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (keys[i].empty() || layers[i]["class_name"] == "InputLayer") continue;
    const std::vector<Parameter*> params = model.layer(entry_name(layers[i])).parameters();
    for (std::size_t k = 0; k < params.size(); ++k) {
      datasets.emplace_back("layers/" + keys[i] + "/vars/" + std::to_string(k), &params[k]->value);
    }
  }
  // The optimizer's state, once it has stepped, where Keras keeps it.
  std::vector<std::pair<std::string, std::int64_t>> integers;
  Tensor learning_rate;
  if (model.compiled() && model.optimizer().iterations() > 0 &&
      keras_state_maps(model.optimizer())) {
    Optimizer& optimizer = model.optimizer();
    integers.emplace_back("optimizer/vars/0", optimizer.iterations());
    if (!optimizer.has_schedule()) {
      learning_rate = Tensor(Shape{}, optimizer.learning_rate());
      datasets.emplace_back("optimizer/vars/1", &learning_rate);
    }
    std::map<const Parameter*, const std::vector<Tensor>*> slots_of;
    const std::vector<Parameter*> trainable = model.parameters(/*trainable_only=*/true);
    for (std::size_t i = 0; i < trainable.size(); ++i) {
      slots_of[trainable[i]] = &optimizer.slots().at(i);
    }
    std::size_t index = first_slot_variable(optimizer);
    for (const Parameter* p : keras_trainable_order(model, layers)) {
      for (const Tensor& slot : *slots_of.at(p)) {
        datasets.emplace_back("optimizer/vars/" + std::to_string(index++), &slot);
      }
    }
  }
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d@%H:%M:%S", std::gmtime(&now));
  Json metadata = model.metadata().is_object() ? model.metadata() : Json::object();
  metadata["saved_by"] = "minidl";
  metadata["date_saved"] = date;
  const std::string archive =
      detail::make_zip({{kMetadata, metadata.dump()},
                        {kConfig, config.dump()},
                        {kWeights, detail::make_hdf5_image(datasets, integers)}});
  write_file_atomically(path, archive.data(), archive.size());
}

}  // namespace minidl
