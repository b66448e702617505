#include <minidl/models/saving/model_config.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include <minidl/core/error.hpp>
#include <minidl/models/saving/layer_registry.hpp>
#include <minidl/models/sequential.hpp>

namespace minidl {
namespace {

// Keras 3 writes every layer's dtype as a policy object.
Json policy_entry(DtypePolicy policy) {
  return {{"module", "keras"},
          {"class_name", "DTypePolicy"},
          {"config", {{"name", dtype_policy_name(policy)}}},
          {"registered_name", nullptr}};
}

Json batch_shape(const Shape& sample_shape) {
  Json shape = Json::array({nullptr});
  for (int i = 0; i < sample_shape.rank(); ++i) shape.push_back(sample_shape[i]);
  return shape;
}

// Keras' layers that take a seed argument.
bool keras_takes_seed(const std::string& type) {
  return type == "Dropout" || type.rfind("Random", 0) == 0;
}

Json layer_entry(const Layer& layer, const std::vector<Shape>& input_shapes,
                 ConfigDialect dialect) {
  Json config = layer.get_config();
  config["name"] = layer.name();
  config["trainable"] = true;
  config["dtype"] = policy_entry(layer.dtype_policy());
  if (layer.has_seed() && dialect == ConfigDialect::Minidl) config["seed"] = layer.seed();
  // Keras' seed generators hold int32 seeds; its draws differ from minidl's whatever the seed.
  if (layer.has_seed() && dialect == ConfigDialect::Keras && keras_takes_seed(layer.type())) {
    config["seed"] = layer.seed() & 0x7fffffffu;
  }
  Json input_shape = Json::array();
  for (const Shape& s : input_shapes) input_shape.push_back(batch_shape(s));
  return {
      {"module", "keras.layers"},
      {"class_name", layer.type()},
      {"config", std::move(config)},
      {"registered_name", nullptr},
      {"build_config", {{"input_shape", input_shape.size() == 1 ? input_shape[0] : input_shape}}}};
}

Json input_layer_entry(const Shape& sample_shape, const std::string& name) {
  return {{"module", "keras.layers"},
          {"class_name", "InputLayer"},
          {"config",
           {{"batch_shape", batch_shape(sample_shape)},
            {"dtype", "float32"},
            {"sparse", false},
            {"name", name}}},
          {"registered_name", nullptr}};
}

Json keras_tensor(const Shape& sample_shape, const std::string& layer, int call) {
  return {{"class_name", "__keras_tensor__"},
          {"config",
           {{"shape", batch_shape(sample_shape)},
            {"dtype", "float32"},
            {"keras_history", {layer, call, 0}}}}};
}

Json sequential_config(Model& model, ConfigDialect dialect) {
  const Shape& input = model.inputs().at(0).shape();
  Json layers = Json::array({input_layer_entry(input, model.inputs()[0].input_name())});
  Shape shape = input;
  for (std::size_t i = 0; i < model.size(); ++i) {
    Layer& l = model.layer(i);
    layers.push_back(layer_entry(l, {shape}, dialect));
    shape = l.output_shape();
  }
  return {{"name", model.name()},
          {"trainable", true},
          {"dtype", policy_entry(DtypePolicy::float32)},
          {"layers", std::move(layers)},
          {"build_input_shape", batch_shape(input)}};
}

// Keras lists a Functional model's layers (and numbers their weights in a .keras archive) by
// decreasing depth, a node's depth being 0 at an output and otherwise one more than its deepest
// reader's, a layer's the deepest of its calls; layers of equal depth in the order a depth-first
// walk from the outputs first meets them. `layers` holds one entry per layer, named.
Json in_keras_order(const Model& model, Json layers) {
  std::map<const void*, int> depth;  // node -> depth
  std::map<std::string, int> layer_depth;
  std::map<std::string, int> first_met;
  std::vector<Node> readers_first;  // every node after all of its readers
  std::set<const void*> seen;
  std::function<void(const Node&)> walk = [&](const Node& node) {
    const std::string name = node.is_input() ? node.input_name() : node.layer()->name();
    first_met.emplace(name, static_cast<int>(first_met.size()));
    if (!seen.insert(node.id()).second) return;
    for (const Node& source : node.inputs()) walk(source);
    readers_first.push_back(node);
  };
  for (const Node& out : model.outputs()) walk(out);
  std::reverse(readers_first.begin(), readers_first.end());  // readers before their sources
  for (const Node& out : model.outputs()) depth[out.id()] = 0;
  for (const Node& node : readers_first) {
    const int d = depth[node.id()];
    const std::string name = node.is_input() ? node.input_name() : node.layer()->name();
    layer_depth[name] = std::max(layer_depth[name], d);
    for (const Node& source : node.inputs()) {
      depth[source.id()] = std::max(depth[source.id()], d + 1);
    }
  }
  std::vector<Json> entries(layers.begin(), layers.end());
  std::stable_sort(entries.begin(), entries.end(), [&](const Json& a, const Json& b) {
    const std::string na = a["name"], nb = b["name"];
    if (layer_depth[na] != layer_depth[nb]) return layer_depth[na] > layer_depth[nb];
    return first_met[na] < first_met[nb];
  });
  return Json(entries);
}

Json functional_config(Model& model, ConfigDialect dialect) {
  // Every layer call, in depth-first post-order from the outputs (inputs before their readers),
  // as the model runs them; a layer's n-th call is its inbound node n.
  std::map<const void*, std::pair<std::string, int>> history;  // node -> (layer, call)
  std::map<const Layer*, std::size_t> entry_of;
  Json layers = Json::array();
  for (const Node& in : model.inputs()) {
    Json entry = input_layer_entry(in.shape(), in.input_name());
    entry["name"] = in.input_name();
    entry["inbound_nodes"] = Json::array();
    layers.push_back(std::move(entry));
    history[in.id()] = {in.input_name(), 0};
  }
  std::function<void(const Node&)> visit = [&](const Node& node) {
    if (history.count(node.id())) return;
    for (const Node& source : node.inputs()) visit(source);
    Layer* layer = node.layer();
    auto found = entry_of.find(layer);
    if (found == entry_of.end()) {
      std::vector<Shape> shapes;
      for (const Node& source : node.inputs()) shapes.push_back(source.shape());
      Json entry = layer_entry(*layer, shapes, dialect);
      entry["name"] = layer->name();
      entry["inbound_nodes"] = Json::array();
      found = entry_of.emplace(layer, layers.size()).first;
      layers.push_back(std::move(entry));
    }
    Json& calls = layers[found->second]["inbound_nodes"];
    Json tensors = Json::array();
    for (const Node& source : node.inputs()) {
      const auto& [name, call] = history.at(source.id());
      tensors.push_back(keras_tensor(source.shape(), name, call));
    }
    // A merge layer takes its inputs as one list argument.
    Json args = node.inputs().size() == 1 ? tensors : Json::array({tensors});
    calls.push_back({{"args", std::move(args)}, {"kwargs", Json::object()}});
    history[node.id()] = {layer->name(), static_cast<int>(calls.size()) - 1};
  };
  for (const Node& out : model.outputs()) visit(out);
  layers = in_keras_order(model, std::move(layers));
  auto references = [&](const std::vector<Node>& nodes) {
    Json list = Json::array();
    for (const Node& n : nodes) {
      const auto& [name, call] = history.at(n.id());
      list.push_back({name, call, 0});
    }
    // Keras writes a single input or output unwrapped.
    return list.size() == 1 ? list[0] : list;
  };
  return {{"name", model.name()},
          {"trainable", true},
          {"layers", std::move(layers)},
          {"input_layers", references(model.inputs())},
          {"output_layers", references(model.outputs())}};
}

// --- reading ---

// Whether a layer's inference output depends on `training`. Keras records training=True in the
// graph for some preprocessing layers (CenterCrop, Resizing, RandomCrop), where it changes nothing
// at inference (a RandomCrop only loads when it crops to its input's size: the identity).
bool follows_training(const std::string& type) {
  return type == "Dropout" || type == "BatchNormalization" ||
         (type.rfind("Random", 0) == 0 && type != "RandomCrop");
}

class ConfigReader {
 public:
  using Nodes = std::map<std::tuple<std::string, int, int>, Node>;  // by Keras' keras_history

  explicit ConfigReader(std::string owner) : owner_(std::move(owner)) {}

  [[noreturn]] void fail(const std::string& problem) const { throw Error(owner_ + ": " + problem); }

  const Json& object(const Json& parent, const char* key, const std::string& where) const {
    if (!parent.is_object() || !parent.contains(key)) fail(where + " has no '" + key + "'");
    return parent.at(key);
  }

  std::string string(const Json& parent, const char* key, const std::string& where) const {
    const Json& v = object(parent, key, where);
    if (!v.is_string()) fail(where + ": '" + key + "' must be a string, got " + v.dump());
    return v.get<std::string>();
  }

  // The sample shape of a Keras batch shape [null, 32, 32, 3].
  Shape sample_shape(const Json& batch, const std::string& where) const {
    std::vector<Index> dims;
    bool ok = batch.is_array() && batch.size() >= 2;
    for (std::size_t i = 1; ok && i < batch.size(); ++i) {
      ok = batch[i].is_number_integer() && batch[i].get<Index>() >= 1;
      if (ok) dims.push_back(batch[i].get<Index>());
    }
    if (!ok) {
      fail(where + ": expected a batch shape [null, d1, ...] with known dimensions, got " +
           batch.dump());
    }
    return Shape(dims);
  }

  // Every layer entry's class must be known before anything is made: one error lists them all.
  void check_classes(const Json& layers) const {
    std::vector<std::string> unknown;
    for (const Json& entry : layers) {
      const std::string cls = string(entry, "class_name", "a layer entry");
      if (cls == "InputLayer" || is_registered_layer(cls)) continue;
      std::string name = "?";
      if (entry.contains("config") && entry["config"].is_object() &&
          entry["config"].contains("name") && entry["config"]["name"].is_string()) {
        name = entry["config"]["name"].get<std::string>();
      }
      const bool nested = cls == "Sequential" || cls == "Functional" || cls == "Model";
      unknown.push_back("'" + name + "' (" + cls + (nested ? ", a nested model" : "") + ")");
    }
    if (unknown.empty()) return;
    std::string list;
    for (const std::string& u : unknown) list += (list.empty() ? "" : ", ") + u;
    fail("the model has " + std::to_string(unknown.size()) +
         " layer(s) minidl does not have: " + list);
  }

  std::unique_ptr<Layer> make_layer(const Json& entry) const {
    const std::string cls = string(entry, "class_name", "a layer entry");
    return layer_from_config(cls, object(entry, "config", "layer entry " + cls), owner_);
  }

  std::uint64_t model_seed(const Json& config) const {
    if (!config.contains("seed")) return 0;
    if (!config["seed"].is_number_unsigned()) fail("the model's seed must be an integer");
    return config["seed"].get<std::uint64_t>();
  }

  std::string model_name(const Json& config, const char* fallback) const {
    return config.contains("name") && config["name"].is_string() ? config["name"].get<std::string>()
                                                                 : fallback;
  }

  std::unique_ptr<Model> sequential(const Json& config) const {
    const Json& layers = object(config, "layers", "the Sequential config");
    if (!layers.is_array()) fail("the Sequential config's 'layers' must be a list");
    check_classes(layers);
    auto model = std::make_unique<Sequential>(model_seed(config), model_name(config, "sequential"));
    std::optional<Shape> input;
    if (config.contains("build_input_shape") && !config["build_input_shape"].is_null()) {
      input = sample_shape(config["build_input_shape"], "build_input_shape");
    }
    for (const Json& entry : layers) {
      if (entry.value("class_name", "") == "InputLayer") {
        const Json& c = object(entry, "config", "the InputLayer");
        input = sample_shape(object(c, "batch_shape", "the InputLayer config"), "the InputLayer");
        continue;
      }
      model->add(make_layer(entry));
    }
    if (!input) fail("the Sequential model has no input shape (no InputLayer)");
    model->build(*input);
    return model;
  }

  std::unique_ptr<Model> functional(const Json& config) const {
    const Json& layers = object(config, "layers", "the Functional config");
    if (!layers.is_array()) fail("the Functional config's 'layers' must be a list");
    check_classes(layers);
    Nodes nodes;
    std::map<std::string, std::shared_ptr<Layer>> made;
    struct Call {
      std::shared_ptr<Layer> layer;
      int index;
      const Json* node;
    };
    std::vector<Call> pending;
    for (const Json& entry : layers) {
      const std::string name = string(entry, "name", "a Functional layer entry");
      if (entry.value("class_name", "") == "InputLayer") {
        const Json& c = object(entry, "config", "InputLayer '" + name + "'");
        nodes[{name, 0, 0}] =
            Input(sample_shape(object(c, "batch_shape", "InputLayer '" + name + "'"), name), name);
        continue;
      }
      std::shared_ptr<Layer> layer = make_layer(entry);
      if (!made.emplace(name, layer).second) fail("two layers are named '" + name + "'");
      const Json& calls = object(entry, "inbound_nodes", "layer '" + name + "'");
      if (!calls.is_array()) fail("layer '" + name + "': 'inbound_nodes' must be a list");
      for (std::size_t k = 0; k < calls.size(); ++k) {
        pending.push_back({layer, static_cast<int>(k), &calls[k]});
      }
    }
    // Calls in the order their inputs become available (a shared layer's later call may read a
    // layer listed after it).
    while (!pending.empty()) {
      bool progress = false;
      for (auto it = pending.begin(); it != pending.end();) {
        std::optional<std::vector<Node>> inputs =
            call_inputs(*it->node, it->layer->name(), it->layer->type(), nodes);
        if (!inputs) {
          ++it;
          continue;
        }
        nodes[{it->layer->name(), it->index, 0}] = call_layer(it->layer, *inputs);
        it = pending.erase(it);
        progress = true;
      }
      if (!progress) {
        fail("layer '" + pending.front().layer->name() +
             "' reads a tensor that no layer of the model makes");
      }
    }
    auto endpoints = [&](const char* key) {
      Json list = object(config, key, "the Functional config");
      if (list.is_array() && !list.empty() && list[0].is_string()) list = Json::array({list});
      std::vector<Node> found;
      for (const Json& ref : list) {
        const Node* node = find_node(ref, nodes, std::string("'") + key + "'");
        if (!node) fail(std::string("'") + key + "' names no tensor: " + ref.dump());
        found.push_back(*node);
      }
      return found;
    };
    return std::make_unique<Model>(endpoints("input_layers"), endpoints("output_layers"),
                                   model_name(config, "functional"), model_seed(config));
  }

  // The node a Keras reference [layer, node, tensor] names, or nullptr while it is not made.
  const Node* find_node(const Json& ref, const Nodes& nodes, const std::string& where) const {
    if (!ref.is_array() || ref.size() != 3 || !ref[0].is_string() || !ref[1].is_number_integer() ||
        !ref[2].is_number_integer()) {
      fail(where + ": a tensor reference must be [layer, node, tensor], got " + ref.dump());
    }
    auto it = nodes.find({ref[0].get<std::string>(), ref[1].get<int>(), ref[2].get<int>()});
    return it == nodes.end() ? nullptr : &it->second;
  }

  // The nodes a call reads, or nullopt while one of them is not made yet.
  std::optional<std::vector<Node>> call_inputs(const Json& call, const std::string& layer,
                                               const std::string& type, const Nodes& nodes) const {
    const std::string where = "layer '" + layer + "' inbound node";
    const Json& args = object(call, "args", where);
    if (!args.is_array() || args.size() != 1) {
      fail(where + ": expected one argument (a tensor or a list of tensors), got " + args.dump());
    }
    if (call.contains("kwargs") && call["kwargs"].is_object()) {
      for (const auto& [key, value] : call["kwargs"].items()) {
        if (value.is_null() || (key == "training" && !follows_training(type))) continue;
        fail(where + ": call argument '" + key + "' = " + value.dump() +
             " is not supported: a minidl layer takes its inputs, and `training` from the model's "
             "call (fit or predict), never fixed in the graph");
      }
    }
    const Json tensors = args[0].is_array() ? args[0] : Json::array({args[0]});
    std::vector<Node> inputs;
    for (const Json& t : tensors) {
      const Json& history = object(object(t, "config", where), "keras_history", where);
      const Node* node = find_node(history, nodes, where + ": keras_history");
      if (!node) return std::nullopt;
      inputs.push_back(*node);
    }
    return inputs;
  }

 private:
  std::string owner_;
};

}  // namespace

Json model_to_config(Model& model, ConfigDialect dialect) {
  if (!model.built()) {
    throw Error("Model '" + model.name() +
                "': saving needs a built model; call build(input_shape) or fit first");
  }
  const bool sequential = dynamic_cast<Sequential*>(&model) != nullptr;
  Json config = sequential ? sequential_config(model, dialect) : functional_config(model, dialect);
  if (dialect == ConfigDialect::Minidl) config["seed"] = model.seed();
  Json model_config = {
      {"module", sequential ? "keras" : "keras.src.models.functional"},
      {"class_name", sequential ? "Sequential" : "Functional"},
      {"config", std::move(config)},
      {"registered_name", sequential ? Json(nullptr) : Json("Functional")},
  };
  return model_config;
}

std::unique_ptr<Model> model_from_config(const Json& config, const std::string& owner) {
  const ConfigReader reader(owner);
  const std::string cls = reader.string(config, "class_name", "the model config");
  const Json& inner = reader.object(config, "config", "the model config");
  try {
    if (cls == "Sequential") return reader.sequential(inner);
    if (cls == "Functional" || cls == "Model") return reader.functional(inner);
  } catch (const Json::exception& e) {
    reader.fail(std::string("malformed model config: ") + e.what());
  } catch (const Error& e) {
    // A layer or graph check ("Add 'add': inputs of different shapes ...") names the file too.
    const std::string what = e.what();
    if (what.rfind(owner, 0) == 0) throw;
    reader.fail(what);
  }
  reader.fail("unknown model class '" + cls + "', expected Sequential or Functional");
}

}  // namespace minidl
