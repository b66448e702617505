#include <minidl/models/saving/compile_config.hpp>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

// Keras names an optimizer in its config by its class in lower case ("sgd", "adamw").
std::string lowercase(const std::string& cls) {
  std::string out;
  for (char c : cls) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Json optimizer_config(const Optimizer& optimizer, ConfigDialect dialect) {
  Json config = optimizer.get_config();
  if (dialect == ConfigDialect::Keras) {
    config.erase("exclude_from_weight_decay");
    config["name"] = lowercase(optimizer.name());
    Json& lr = config["learning_rate"];
    if (lr.is_object()) {
      lr["module"] = "keras.optimizers.schedules";
      lr["registered_name"] = nullptr;
    }
  }
  return {{"module", "keras.optimizers"},
          {"class_name", optimizer.name()},
          {"config", std::move(config)},
          {"registered_name", nullptr}};
}

Json loss_config(const Loss& loss) {
  return {{"module", "keras.losses"},
          {"class_name", loss.name()},
          {"config", loss.get_config()},
          {"registered_name", nullptr}};
}

class Reader {
 public:
  explicit Reader(std::string owner) : owner_(std::move(owner)) {}
  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(owner_ + ": compile config: " + problem);
  }

  LearningRate learning_rate(const Json& value) const {
    if (value.is_number()) return value.get<float>();
    if (!value.is_object() || !value.contains("class_name") || !value.contains("config")) {
      fail("learning_rate must be a number or a schedule, got " + value.dump());
    }
    const std::string cls = value["class_name"].get<std::string>();
    const LayerConfig c(value["config"], owner_ + ": " + cls);
    if (cls == "ExponentialDecay") {
      return ExponentialDecay(c.number("initial_learning_rate"), c.integer("decay_steps"),
                              c.number("decay_rate"), c.boolean("staircase", false));
    }
    if (cls == "PiecewiseConstantDecay") {
      std::vector<long> boundaries;
      for (float b : c.numbers("boundaries")) boundaries.push_back(static_cast<long>(b));
      return PiecewiseConstantDecay(boundaries, c.numbers("values"));
    }
    if (cls == "CosineDecay") {
      std::optional<float> warmup_target;
      if (c.has("warmup_target")) warmup_target = c.number("warmup_target");
      return CosineDecay(c.number("initial_learning_rate"), c.integer("decay_steps"),
                         c.number("alpha", 0.0f), warmup_target, c.integer("warmup_steps", 0));
    }
    fail("unknown learning rate schedule '" + cls + "'");
  }

  std::unique_ptr<Optimizer> optimizer(const Json& entry) const {
    if (entry.is_string()) return optimizer({{"class_name", entry}, {"config", Json::object()}});
    if (!entry.is_object() || !entry.contains("class_name")) {
      fail("optimizer must be {\"class_name\", \"config\"}, got " + entry.dump());
    }
    std::string cls = entry["class_name"].get<std::string>();
    const Json config = entry.value("config", Json::object());
    const LayerConfig c(config, owner_ + ": optimizer " + cls);
    const std::string lower = lowercase(cls);
    auto lr = [&](float fallback) {
      return c.has("learning_rate") ? learning_rate(config["learning_rate"]) : fallback;
    };
    for (const char* key : {"clipnorm", "global_clipnorm", "clipvalue"}) {
      c.require(key, nullptr, "gradient clipping is not implemented");
    }
    c.require("use_ema", false, "weight averaging (EMA) is not implemented");
    c.require("gradient_accumulation_steps", nullptr, "gradient accumulation is not implemented");
    std::unique_ptr<Optimizer> optimizer;
    if (lower == "sgd") {
      optimizer = std::make_unique<SGD>(lr(0.01f), c.number("momentum", 0.0f),
                                        c.boolean("nesterov", false));
    } else if (lower == "adam" || lower == "adamw") {
      c.require("amsgrad", false, "AMSGrad is not implemented");
      const float b1 = c.number("beta_1", 0.9f), b2 = c.number("beta_2", 0.999f);
      const float eps = c.number("epsilon", 1e-7f);
      optimizer = lower == "adam" ? std::make_unique<Adam>(lr(1e-3f), b1, b2, eps)
                                  : std::make_unique<AdamW>(lr(1e-3f), 0.0f, b1, b2, eps);
    } else if (lower == "rmsprop") {
      optimizer =
          std::make_unique<RMSprop>(lr(1e-3f), c.number("rho", 0.9f), c.number("momentum", 0.0f),
                                    c.number("epsilon", 1e-7f), c.boolean("centered", false));
    } else {
      fail("unknown optimizer '" + cls + "', expected SGD, Adam, AdamW or RMSprop");
    }
    // set_weight_decay after the constructor: AdamW's own default is replaced by the saved one.
    optimizer->set_weight_decay(c.number("weight_decay", 0.0f));
    if (config.contains("exclude_from_weight_decay")) {
      optimizer->exclude_from_weight_decay(
          config["exclude_from_weight_decay"].get<std::vector<std::string>>());
    }
    return optimizer;
  }

  std::unique_ptr<Loss> loss(const Json& entry) const {
    std::string cls;
    Json config = Json::object();
    if (entry.is_string()) {
      cls = entry.get<std::string>();
    } else if (entry.is_object() && entry.contains("class_name")) {
      cls = entry["class_name"].get<std::string>();
      config = entry.value("config", Json::object());
    } else {
      fail("a loss must be a name or {\"class_name\", \"config\"}, got " + entry.dump());
    }
    const LayerConfig c(config, owner_ + ": loss " + cls);
    const bool logits = c.boolean("from_logits", false);
    if (cls == "SparseCategoricalCrossentropy" || cls == "sparse_categorical_crossentropy") {
      c.require("ignore_class", nullptr, "ignore_class is not implemented");
      return std::make_unique<SparseCategoricalCrossentropy>(logits);
    }
    if (cls == "CategoricalCrossentropy" || cls == "categorical_crossentropy") {
      c.require("label_smoothing", 0.0, "label smoothing is not implemented");
      return std::make_unique<CategoricalCrossentropy>(logits);
    }
    if (cls == "MeanSquaredError" || cls == "mean_squared_error" || cls == "mse") {
      return std::make_unique<MeanSquaredError>();
    }
    fail("unknown loss '" + cls +
         "', expected SparseCategoricalCrossentropy, CategoricalCrossentropy or MeanSquaredError");
  }

 private:
  std::string owner_;
};

}  // namespace

Json compile_config(Model& model, ConfigDialect dialect) {
  Json losses = Json::array();
  for (const auto& loss : model.compiled_losses()) losses.push_back(loss_config(*loss));
  Json config = {
      {"optimizer", optimizer_config(model.optimizer(), dialect)},
      {"loss", losses.size() == 1 ? losses[0] : losses},
      {"loss_weights", model.loss_weights().empty() ? Json(nullptr) : Json(model.loss_weights())},
      {"metrics", model.metrics()}};
  return config;
}

void compile_from_config(Model& model, const Json& config, const std::string& owner) {
  const Reader reader(owner);
  try {
    if (!config.is_object() || !config.contains("optimizer") || !config.contains("loss")) {
      reader.fail("needs 'optimizer' and 'loss'");
    }
    std::vector<std::unique_ptr<Loss>> losses;
    const Json& loss = config["loss"];
    if (loss.is_array()) {
      for (const Json& l : loss) losses.push_back(reader.loss(l));
    } else if (loss.is_object() && !loss.contains("class_name")) {
      // Keras' per-output dict {"output name": loss}.
      for (std::size_t i = 0; i < model.outputs().size(); ++i) {
        const std::string name = model.output_name(i);
        if (!loss.contains(name)) reader.fail("no loss for output '" + name + "'");
        losses.push_back(reader.loss(loss[name]));
      }
    } else {
      losses.push_back(reader.loss(loss));
    }
    std::vector<std::string> metrics;
    for (const Json& m : config.value("metrics", Json::array())) {
      const std::string name = m.is_string() ? m.get<std::string>() : m.dump();
      if (name != "accuracy" && name != "acc") {
        reader.fail("unknown metric " + name + ", minidl has \"accuracy\"");
      }
      metrics.push_back("accuracy");
    }
    std::vector<float> weights;
    if (config.contains("loss_weights") && !config["loss_weights"].is_null()) {
      weights = config["loss_weights"].get<std::vector<float>>();
    }
    model.compile(reader.optimizer(config["optimizer"]), std::move(losses), metrics, weights);
  } catch (const Json::exception& e) {
    reader.fail(std::string("malformed: ") + e.what());
  }
}

}  // namespace minidl
