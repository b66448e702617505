#include <minidl/models/sequential.hpp>

#include <algorithm>
#include <cctype>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/models/metrics.hpp>

namespace minidl {
namespace {

// "MaxPooling2D" -> "max_pooling2d", as Keras derives default layer names.
std::string snake_case(const std::string& type) {
  std::string out;
  for (std::size_t i = 0; i < type.size(); ++i) {
    const char c = type[i];
    const bool upper = std::isupper(static_cast<unsigned char>(c));
    const bool after_lower = i > 0 && std::islower(static_cast<unsigned char>(type[i - 1]));
    const bool starts_word =
        i > 0 && i + 1 < type.size() && std::islower(static_cast<unsigned char>(type[i + 1]));
    if (upper && (after_lower || starts_word) && out.back() != '_') out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

struct Sequential::Sums {
  double loss = 0.0;
  Index correct = 0;
  Index samples = 0;
};

Sequential::Sequential(std::uint64_t seed, std::string name)
    : seed_(seed), name_(std::move(name)) {}

Layer& Sequential::add(std::unique_ptr<Layer> layer) {
  if (!layer) throw Error("Sequential '" + name_ + "': add was given no layer");
  if (built_) {
    throw Error("Sequential '" + name_ + "': cannot add " + layer->type() +
                " after the model was built");
  }
  if (layer->name().empty()) {
    const std::string base = snake_case(layer->type());
    std::string name = base;
    for (int k = 1; std::any_of(layers_.begin(), layers_.end(),
                                [&](const auto& l) { return l->name() == name; });
         ++k) {
      name = base + "_" + std::to_string(k);
    }
    layer->set_name(name);
  }
  for (const auto& l : layers_) {
    if (l->name() == layer->name()) {
      throw Error("Sequential '" + name_ + "': a layer named '" + layer->name() +
                  "' is already in the model");
    }
  }
  layers_.push_back(std::move(layer));
  return *layers_.back();
}

void Sequential::build(const Shape& sample_shape) {
  if (layers_.empty())
    throw Error("Sequential '" + name_ + "': build called on a model with no layers");
  Shape shape = sample_shape;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = *layers_[i];
    if (!l.has_seed()) l.set_seed(derive_seed(seed_, i));
    shape = l.build(shape);
  }
  first_trainable_ = layers_.size();
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]->parameters().empty()) {
      first_trainable_ = i;
      break;
    }
  }
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->set_input_gradient(i > first_trainable_);
  built_ = true;
}

std::string Sequential::summary_table() const {
  if (!built_) {
    throw Error("Sequential '" + name_ +
                "': summary needs a built model; call build(input_shape) or fit first");
  }
  constexpr int kName = 33, kShape = 24, kParams = 15;
  auto rule = [](const char* left, const char* fill, const char* mid, const char* right) {
    std::string s = left;
    for (int w : {kName, kShape, kParams}) {
      for (int i = 0; i < w; ++i) s += fill;
      s += w == kParams ? right : mid;
    }
    return s + "\n";
  };
  auto shape_text = [](const Shape& s) {
    std::string text = "(None";
    for (int i = 0; i < s.rank(); ++i) text += ", " + std::to_string(s[i]);
    return text + ")";
  };
  auto thousands = [](Index n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  };
  auto bytes = [](Index params) {
    const double b = params * 4.0;
    if (b >= 1 << 20) return fmt::format("{:.2f} MB", b / (1 << 20));
    if (b >= 1 << 10) return fmt::format("{:.2f} KB", b / (1 << 10));
    return fmt::format("{:.2f} B", b);
  };
  std::string s = fmt::format("Model: \"{}\"\n", name_);
  s += rule("\u250f", "\u2501", "\u2533", "\u2513");
  s += fmt::format("\u2503 {:<{}}\u2503 {:<{}}\u2503 {:>{}} \u2503\n", "Layer (type)", kName - 1,
                   "Output Shape", kShape - 1, "Param #", kParams - 2);
  s += rule("\u2521", "\u2501", "\u2547", "\u2529");
  Index trainable = 0, frozen = 0;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = *layers_[i];
    Index count = 0;
    for (Parameter* p : l.parameters()) {
      count += p->value.size();
      (p->trainable ? trainable : frozen) += p->value.size();
    }
    s += fmt::format("\u2502 {:<{}}\u2502 {:<{}}\u2502 {:>{}} \u2502\n",
                     l.name() + " (" + l.type() + ")", kName - 1, shape_text(l.output_shape()),
                     kShape - 1, thousands(count), kParams - 2);
    if (i + 1 < layers_.size()) s += rule("\u251c", "\u2500", "\u253c", "\u2524");
  }
  s += rule("\u2514", "\u2500", "\u2534", "\u2518");
  s += fmt::format(" Total params: {} ({})\n", thousands(trainable + frozen),
                   bytes(trainable + frozen));
  s += fmt::format(" Trainable params: {} ({})\n", thousands(trainable), bytes(trainable));
  s += fmt::format(" Non-trainable params: {} ({})\n", thousands(frozen), bytes(frozen));
  return s;
}

void Sequential::summary() const {
  fmt::print("{}", summary_table());
}

void Sequential::compile(std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Loss> loss,
                         std::vector<std::string> metrics) {
  if (!optimizer || !loss) {
    throw Error("Sequential '" + name_ + "': compile needs an optimizer and a loss");
  }
  accuracy_ = false;
  for (const std::string& m : metrics) {
    if (m != "accuracy" && m != "acc") {
      throw Error("Sequential '" + name_ + "': unknown metric '" + m + "', expected accuracy");
    }
    accuracy_ = true;
  }
  optimizer_ = std::move(optimizer);
  loss_ = std::move(loss);
}

Optimizer& Sequential::optimizer() {
  check_compiled("optimizer");
  return *optimizer_;
}

Layer& Sequential::layer(std::size_t index) {
  if (index >= layers_.size()) {
    throw Error("Sequential '" + name_ + "': no layer " + std::to_string(index) + ", it has " +
                std::to_string(layers_.size()));
  }
  return *layers_[index];
}

Layer& Sequential::layer(const std::string& name) {
  for (auto& l : layers_) {
    if (l->name() == name) return *l;
  }
  throw Error("Sequential '" + name_ + "': no layer named '" + name + "'");
}

Tensor Sequential::forward(const Tensor& x, bool training) {
  if (!built_) {
    if (x.rank() < 1) throw Error("Sequential '" + name_ + "': expected a batch, got a scalar");
    build(x.shape().without_batch());
  }
  if (layers_.empty()) throw Error("Sequential '" + name_ + "': the model has no layers");
  Tensor h = layers_[0]->forward(x, training);
  for (std::size_t i = 1; i < layers_.size(); ++i) h = layers_[i]->forward(h, training);
  return h;
}

void Sequential::backward(const Tensor& dy) {
  if (first_trainable_ == layers_.size()) return;
  Tensor g = layers_.back()->backward(dy);
  for (std::size_t i = layers_.size() - 1; i-- > first_trainable_;) g = layers_[i]->backward(g);
}

std::vector<Parameter*> Sequential::parameters(bool trainable_only) {
  std::vector<Parameter*> all;
  for (auto& l : layers_) {
    for (Parameter* p : l->parameters()) {
      if (p->trainable || !trainable_only) all.push_back(p);
    }
  }
  return all;
}

void Sequential::check_compiled(const char* caller) const {
  if (!optimizer_ || !loss_) {
    throw Error("Sequential '" + name_ + "': " + caller +
                " called before compile(optimizer, loss, metrics)");
  }
}

void Sequential::check_pair(const char* caller, const Tensor& x, const Tensor& y,
                            Index batch_size) const {
  if (x.rank() < 2 || y.rank() < 1) {
    throw Error("Sequential '" + name_ + "': " + caller +
                " expects x as a batch (N,...) and y as (N,...), got x " + x.shape().str() +
                " and y " + y.shape().str());
  }
  if (x.dim(0) == 0) {
    throw Error("Sequential '" + name_ + "': " + caller + " got no samples: x " + x.shape().str());
  }
  if (x.dim(0) != y.dim(0)) {
    throw Error("Sequential '" + name_ + "': " + caller + " got " + std::to_string(x.dim(0)) +
                " samples in x " + x.shape().str() + " but " + std::to_string(y.dim(0)) + " in y " +
                y.shape().str());
  }
  if (batch_size < 1) {
    throw Error("Sequential '" + name_ + "': " + caller + " batch_size must be >= 1, got " +
                std::to_string(batch_size));
  }
}

void Sequential::train_batch(const Tensor& x, const Tensor& y, Sums& sums) {
  const std::vector<Parameter*> params = parameters(/*trainable_only=*/true);
  for (Parameter* p : params) p->grad.fill(0.0f);
  const Tensor out = forward(x, /*training=*/true);
  const float loss = loss_->forward(out, y);
  backward(loss_->backward());
  optimizer_->step(params);
  sums.loss += static_cast<double>(loss) * x.dim(0);
  if (accuracy_) sums.correct += count_correct(out, y);
  sums.samples += x.dim(0);
}

void Sequential::eval_batch(const Tensor& x, const Tensor& y, Sums& sums) {
  const Tensor out = forward(x, /*training=*/false);
  sums.loss += static_cast<double>(loss_->forward(out, y)) * x.dim(0);
  if (accuracy_) sums.correct += count_correct(out, y);
  sums.samples += x.dim(0);
}

Logs Sequential::logs_of(const Sums& sums, const std::string& prefix) const {
  Logs logs;
  const double n = static_cast<double>(std::max<Index>(sums.samples, 1));
  logs[prefix + "loss"] = static_cast<float>(sums.loss / n);
  if (accuracy_) logs[prefix + "accuracy"] = static_cast<float>(sums.correct / n);
  return logs;
}

// Tensors fit as a Dataset sharing their buffers, shuffled and batched as FitOptions say.
Dataset Sequential::training_batches(const Dataset& data, const FitOptions& options) const {
  return (options.shuffle ? data.shuffle(options.seed.value_or(seed_)) : data)
      .batch(options.batch_size);
}

History Sequential::fit(const Tensor& x, const Tensor& y, const FitOptions& options) {
  check_compiled("fit");
  check_pair("fit", x, y, options.batch_size);
  const float split = options.validation_split;
  if (!(split >= 0.0f && split < 1.0f)) {
    throw Error("Sequential '" + name_ + "': fit validation_split must be in [0,1), got " +
                std::to_string(split));
  }
  const Index train_count = static_cast<Index>(x.dim(0) * (1.0 - split));
  const Dataset all(x.share(), y.share());
  if (split == 0.0f) return fit_dataset(training_batches(all, options), nullptr, options);
  if (train_count == 0 || train_count == x.dim(0)) {
    throw Error("Sequential '" + name_ + "': validation_split " + std::to_string(split) + " of " +
                std::to_string(x.dim(0)) + " samples leaves an empty set");
  }
  const Dataset validation = all.skip(train_count).batch(options.batch_size);
  return fit_dataset(training_batches(all.take(train_count), options), &validation, options);
}

History Sequential::fit(const Tensor& x, const Tensor& y, const Tensor& x_val, const Tensor& y_val,
                        const FitOptions& options) {
  check_compiled("fit");
  check_pair("fit", x, y, options.batch_size);
  check_pair("fit (validation data)", x_val, y_val, options.batch_size);
  const Dataset validation = Dataset(x_val.share(), y_val.share()).batch(options.batch_size);
  return fit_dataset(training_batches(Dataset(x.share(), y.share()), options), &validation,
                     options);
}

History Sequential::fit(const Dataset& train, const FitOptions& options) {
  check_dataset_options(options);
  return fit_dataset(train, nullptr, options);
}

History Sequential::fit(const Dataset& train, const Dataset& validation,
                        const FitOptions& options) {
  check_dataset_options(options);
  return fit_dataset(train, &validation, options);
}

void Sequential::check_dataset_options(const FitOptions& options) const {
  check_compiled("fit");
  if (options.validation_split != 0.0f) {
    throw Error("Sequential '" + name_ +
                "': fit with a Dataset cannot use validation_split; split the dataset with "
                "take/skip and pass the validation part");
  }
}

History Sequential::fit_dataset(const Dataset& train_data, const Dataset* validation,
                                const FitOptions& options) {
  if (options.epochs < 0) {
    throw Error("Sequential '" + name_ + "': fit epochs must be >= 0, got " +
                std::to_string(options.epochs));
  }
  if (!train_data.batched() && options.batch_size < 1) {
    throw Error("Sequential '" + name_ + "': fit batch_size must be >= 1, got " +
                std::to_string(options.batch_size));
  }
  const Dataset train = train_data.batched() ? train_data : train_data.batch(options.batch_size);
  if (train.steps() == 0) {
    throw Error("Sequential '" + name_ + "': fit got a dataset with no batches (" +
                std::to_string(train.size()) + " samples in batches of " +
                std::to_string(train.batch_size()) + ")");
  }
  if (options.initial_epoch < 0 || options.initial_epoch > options.epochs) {
    throw Error("Sequential '" + name_ + "': fit initial_epoch must be in [0, epochs=" +
                std::to_string(options.epochs) + "], got " + std::to_string(options.initial_epoch));
  }
  for (const auto& callback : options.callbacks) {
    if (!callback) throw Error("Sequential '" + name_ + "': fit was given an empty callback");
    callback->set_model(*this);
  }
  Progress progress(options.verbose);
  History history;
  stop_training_ = false;
  for (const auto& callback : options.callbacks) callback->on_train_begin({});
  Logs logs;
  for (int epoch = options.initial_epoch; epoch < options.epochs && !stop_training_; ++epoch) {
    const auto e = static_cast<std::uint64_t>(epoch);
    for (auto& l : layers_) l->start_epoch(e);
    for (const auto& callback : options.callbacks) callback->on_epoch_begin(epoch);
    Dataset::Epoch batches = train.epoch(e);
    progress.epoch_begin(epoch, options.epochs, batches.steps());
    Sums sums;
    Index step = 0;
    for (Batch& b : batches) {
      train_batch(b.x, b.y, sums);
      ++step;
      const Logs running = logs_of(sums, "");
      progress.batch_end(step, running);
      for (const auto& callback : options.callbacks) callback->on_batch_end(step, running);
      if (stop_training_) break;  // asked for by a callback, as Keras stops after the batch
    }
    logs = logs_of(sums, "");
    if (validation) {
      for (const auto& [key, value] : evaluate(*validation)) logs["val_" + key] = value;
    }
    for (const auto& [key, value] : logs) history.history[key].push_back(value);
    progress.epoch_end(logs);
    for (const auto& callback : options.callbacks) callback->on_epoch_end(epoch, logs);
  }
  for (const auto& callback : options.callbacks) callback->on_train_end(logs);
  return history;
}

Logs Sequential::train_on_batch(const Tensor& x, const Tensor& y) {
  check_compiled("train_on_batch");
  check_pair("train_on_batch", x, y, 1);
  Sums sums;
  train_batch(x, y, sums);
  return logs_of(sums, "");
}

Logs Sequential::evaluate(const Tensor& x, const Tensor& y, Index batch_size) {
  check_compiled("evaluate");
  check_pair("evaluate", x, y, batch_size);
  return evaluate(Dataset(x.share(), y.share()).batch(batch_size));
}

Logs Sequential::evaluate(const Dataset& data) {
  check_compiled("evaluate");
  Sums sums;
  for (Batch& b : data.epoch(0)) eval_batch(b.x, b.y, sums);
  if (sums.samples == 0) {
    throw Error("Sequential '" + name_ + "': evaluate got a dataset with no samples");
  }
  return logs_of(sums, "");
}

Tensor Sequential::predict(const Tensor& x, Index batch_size) {
  if (x.rank() < 2) {
    throw Error("Sequential '" + name_ + "': predict expects a batch (N,...), got " +
                x.shape().str());
  }
  if (batch_size < 1) {
    throw Error("Sequential '" + name_ + "': predict batch_size must be >= 1, got " +
                std::to_string(batch_size));
  }
  if (x.dim(0) == 0) {
    throw Error("Sequential '" + name_ + "': predict got no samples: x " + x.shape().str());
  }
  Tensor out;
  Index row = 0;
  for (Index begin = 0; begin < x.dim(0); begin += batch_size) {
    const Index end = std::min(x.dim(0), begin + batch_size);
    Tensor part = forward(x.slice(begin, end), /*training=*/false);
    if (out.empty()) out = Tensor(part.shape().without_batch().with_batch(x.dim(0)));
    std::copy(part.data(), part.data() + part.size(), out.data() + row);
    row += part.size();
  }
  return out;
}

}  // namespace minidl
