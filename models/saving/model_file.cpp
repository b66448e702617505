#include <minidl/models/saving/model_file.hpp>

#include <minidl/core/error.hpp>
#include <minidl/models/saving/compile_config.hpp>
#include <minidl/models/saving/model_config.hpp>
#include <minidl/models/weights_file.hpp>

namespace minidl {
namespace {

constexpr const char* kConfigEntry = "model.json";
constexpr const char* kFormat = "minidl.model";
constexpr int kFormatVersion = 1;

}  // namespace

void Model::save(const std::string& path, bool include_optimizer) {
  check_built("save");
  if (include_optimizer && !compiled()) include_optimizer = false;  // nothing to save yet
  Json file = {{"format", kFormat},
               {"version", kFormatVersion},
               {"model", model_to_config(*this, ConfigDialect::Minidl)},
               {"metadata", metadata_}};
  if (include_optimizer) file["compile"] = compile_config(*this, ConfigDialect::Minidl);
  std::vector<WeightsEntry> entries;
  entries.push_back(WeightsEntry::of_text(kConfigEntry, file.dump()));
  for (WeightsEntry& e : weight_entries(include_optimizer)) entries.push_back(std::move(e));
  write_weights_file(path, entries);
}

std::unique_ptr<Model> load_model(const std::string& path) {
  std::vector<WeightsEntry> entries = read_weights_file(path);
  const std::string owner = "model file '" + path + "'";
  if (entries.empty() || !entries[0].is_text || entries[0].name != kConfigEntry) {
    throw Error(owner +
                ": no architecture (\"model.json\" entry): a weights file written by "
                "save_weights loads into a model built in code, with load_weights");
  }
  Json file;
  try {
    file = Json::parse(entries[0].text);
  } catch (const Json::exception& e) {
    throw Error(owner + ": model.json is not valid JSON: " + e.what());
  }
  if (!file.is_object() || file.value("format", Json()) != kFormat) {
    throw Error(owner + ": model.json is not a minidl model description (format '" + kFormat +
                "')");
  }
  if (file.value("version", Json()) != kFormatVersion) {
    throw Error(owner + ": model.json version " + file.value("version", Json()).dump() +
                ", this build reads version " + std::to_string(kFormatVersion));
  }
  if (!file.contains("model")) throw Error(owner + ": model.json has no \"model\"");
  std::unique_ptr<Model> model = model_from_config(file["model"], owner);
  if (file.contains("metadata")) model->metadata() = file["metadata"];
  if (file.contains("compile")) compile_from_config(*model, file["compile"], owner);
  model->load_weight_entries(std::move(entries), owner);
  return model;
}

}  // namespace minidl
