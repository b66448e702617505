// A model's weights: in memory (get/set_weights) and in a file (save/load_weights).
#include <algorithm>
#include <cstring>
#include <map>

#include <minidl/core/error.hpp>
#include <minidl/models/model.hpp>
#include <minidl/models/weights_file.hpp>

namespace minidl {
namespace {

std::string list(const std::vector<std::string>& items) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(items.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > shown) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

void copy_values(Tensor& to, const Tensor& from) {
  std::memcpy(to.data(), from.data(), sizeof(float) * static_cast<std::size_t>(to.size()));
}

}  // namespace

std::vector<std::pair<std::string, Parameter*>> Model::named_parameters(bool trainable_only) {
  std::vector<std::pair<std::string, Parameter*>> named;
  for (auto& l : layers_) {
    for (Parameter* p : l->parameters()) {
      if (p->trainable || !trainable_only) named.emplace_back(l->name() + "/" + p->name, p);
    }
  }
  return named;
}

std::vector<Tensor> Model::get_weights() {
  check_built("get_weights");
  std::vector<Tensor> weights;
  for (Parameter* p : parameters()) weights.push_back(p->value.clone());
  return weights;
}

void Model::set_weights(const std::vector<Tensor>& weights) {
  check_built("set_weights");
  const std::vector<Parameter*> params = parameters();
  if (weights.size() != params.size()) {
    throw Error(label() + ": set_weights got " + std::to_string(weights.size()) +
                " tensors, the model has " + std::to_string(params.size()) + " parameters");
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (weights[i].shape() != params[i]->value.shape()) {
      throw Error(label() + ": set_weights tensor " + std::to_string(i) + " is " +
                  weights[i].shape().str() + ", parameter '" + params[i]->name + "' is " +
                  params[i]->value.shape().str());
    }
  }
  for (std::size_t i = 0; i < params.size(); ++i) copy_values(params[i]->value, weights[i]);
}

void Model::save_weights(const std::string& path, bool include_optimizer) {
  write_weights_file(path, weight_entries(include_optimizer));
}

std::vector<WeightsEntry> Model::weight_entries(bool include_optimizer) {
  check_built("save_weights");
  std::vector<WeightsEntry> entries;
  for (const auto& [name, p] : named_parameters(false))
    entries.push_back(WeightsEntry::of_tensor(name, p->value.share()));
  if (include_optimizer) {
    check_compiled("save_weights with the optimizer");
    const std::string prefix = "optimizer." + optimizer_->name() + "/";
    entries.push_back(WeightsEntry::of_integer(prefix + "iterations", optimizer_->iterations()));
    entries.push_back(WeightsEntry::of_tensor(prefix + "learning_rate",
                                              Tensor(Shape{1}, optimizer_->learning_rate())));
    const auto trainable = named_parameters(true);
    const auto& slots = optimizer_->slots();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      for (std::size_t k = 0; k < slots[i].size(); ++k) {
        entries.push_back(WeightsEntry::of_tensor(
            prefix + trainable.at(i).first + "/" + std::to_string(k), slots[i][k].share()));
      }
    }
  }
  return entries;
}

void Model::load_weights(const std::string& path) {
  check_built("load_weights");
  load_weight_entries(read_weights_file(path), "load_weights '" + path + "'");
}

void Model::load_weight_entries(std::vector<WeightsEntry> entries, const std::string& source) {
  check_built("load_weights");
  const std::string context = label() + ": " + source + ": ";
  std::map<std::string, WeightsEntry*> weights, optimizer;
  for (WeightsEntry& e : entries) {
    if (e.is_text) continue;  // a model file's architecture
    (e.name.rfind("optimizer.", 0) == 0 ? optimizer : weights)[e.name] = &e;
  }
  const std::map<std::string, WeightsEntry*> by_name = weights;
  // Every check before any change: a mismatch leaves the model as it was.
  std::vector<std::string> missing, shapes;
  const auto named = named_parameters(false);
  for (const auto& [name, p] : named) {
    auto it = weights.find(name);
    if (it == weights.end()) {
      missing.push_back(name);
    } else {
      if (it->second->is_integer || it->second->value.shape() != p->value.shape()) {
        shapes.push_back(name + " " +
                         (it->second->is_integer ? "int64" : it->second->value.shape().str()) +
                         " in the file, " + p->value.shape().str() + " in the model");
      }
      weights.erase(it);
    }
  }
  std::vector<std::string> unexpected;
  for (const auto& entry : weights) unexpected.push_back(entry.first);
  if (!missing.empty() || !unexpected.empty() || !shapes.empty()) {
    std::string message = context + "the file does not match the model:";
    if (!missing.empty()) message += " missing from the file: " + list(missing) + ";";
    if (!unexpected.empty()) message += " not in the model: " + list(unexpected) + ";";
    if (!shapes.empty()) message += " different shapes: " + list(shapes) + ";";
    message.pop_back();
    throw Error(message);
  }
  std::vector<std::vector<Tensor>> slots;
  long iterations = 0;
  float learning_rate = 0.0f;
  const bool restore_optimizer = !optimizer.empty() && optimizer_;
  if (restore_optimizer) {
    const std::string prefix = "optimizer." + optimizer_->name() + "/";
    auto find = [&](const std::string& name) -> WeightsEntry* {
      auto it = optimizer.find(prefix + name);
      return it == optimizer.end() ? nullptr : it->second;
    };
    WeightsEntry* steps = find("iterations");
    WeightsEntry* lr = find("learning_rate");
    if (!steps || !steps->is_integer || !lr || lr->is_integer || lr->value.size() != 1) {
      throw Error(context + "the file's optimizer state (" + optimizer.begin()->first +
                  ", ...) is not for this model's " + optimizer_->name() + " optimizer");
    }
    iterations = static_cast<long>(steps->integer);
    learning_rate = lr->value[0];
    const auto trainable = named_parameters(true);
    const int per = optimizer_->slots_per_parameter();
    const bool has_slots = per > 0 && !trainable.empty() && find(trainable.front().first + "/0");
    for (std::size_t i = 0; has_slots && i < trainable.size(); ++i) {
      std::vector<Tensor> state;
      for (int k = 0; k < per; ++k) {
        const std::string name = trainable[i].first + "/" + std::to_string(k);
        WeightsEntry* e = find(name);
        if (!e || e->is_integer || e->value.shape() != trainable[i].second->value.shape()) {
          throw Error(context + "optimizer state '" + prefix + name +
                      "' is missing or does not match " + trainable[i].second->value.shape().str());
        }
        state.push_back(std::move(e->value));
      }
      slots.push_back(std::move(state));
    }
  }
  for (const auto& [name, p] : named) copy_values(p->value, by_name.at(name)->value);
  if (restore_optimizer) {
    optimizer_->set_state(iterations, std::move(slots));
    // A schedule gives the rate from the restored step count.
    if (!optimizer_->has_schedule()) optimizer_->set_learning_rate(learning_rate);
  }
}

}  // namespace minidl
