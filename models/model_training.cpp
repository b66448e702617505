// Model: compile, the training loop (fit, train_on_batch) and evaluate/predict.
#include <algorithm>
#include <utility>
#include <vector>

#include <minidl/core/error.hpp>
#include <minidl/models/metrics.hpp>
#include <minidl/models/model.hpp>

namespace minidl {
namespace {

std::vector<Tensor> shares(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(t.share());
  return out;
}

std::vector<Tensor> one(const Tensor& t) {
  std::vector<Tensor> out;
  out.push_back(t.share());
  return out;
}

std::vector<Tensor> inputs_of(const Batch& b) {
  std::vector<Tensor> xs = one(b.x);
  for (const Tensor& x : b.other_inputs) xs.push_back(x.share());
  return xs;
}

std::vector<Tensor> targets_of(const Batch& b) {
  std::vector<Tensor> ys = one(b.y);
  for (const Tensor& y : b.other_targets) ys.push_back(y.share());
  return ys;
}

// Each step starts from zero gradients, which the layers' backward passes add to. Zeroed by all
// threads, in pieces: the reference CNN's Dense kernel alone is 2 MB, and one thread zeroing it
// kept the other waiting (2.5% of a two-thread mixed_bfloat16 step).
void zero_gradients(const std::vector<Parameter*>& params) {
  constexpr Index kPiece = 64 * 1024;
  std::vector<std::pair<float*, Index>> pieces;
  for (Parameter* p : params) {
    for (Index begin = 0; begin < p->grad.size(); begin += kPiece) {
      pieces.emplace_back(p->grad.data() + begin, std::min(kPiece, p->grad.size() - begin));
    }
  }
  const auto count = static_cast<Index>(pieces.size());
#pragma omp parallel for schedule(static) if (count > 1)
  for (Index i = 0; i < count; ++i) {
    const auto [data, size] = pieces[static_cast<std::size_t>(i)];
    std::fill(data, data + size, 0.0f);
  }
}

}  // namespace

void Model::compile(std::unique_ptr<Optimizer> optimizer, std::vector<std::unique_ptr<Loss>> losses,
                    std::vector<std::string> metrics, std::vector<float> loss_weights) {
  if (!optimizer || losses.empty()) {
    throw Error(label() + ": compile needs an optimizer and a loss");
  }
  for (const auto& loss : losses) {
    if (!loss) throw Error(label() + ": compile was given an empty loss");
  }
  // A Sequential model not built yet has one output.
  const std::size_t outputs = built() ? outputs_.size() : 1;
  if (losses.size() != outputs) {
    throw Error(label() + ": compile got " + std::to_string(losses.size()) +
                " losses for a model with " + std::to_string(outputs) +
                " output(s); give one per output");
  }
  if (loss_weights.empty()) loss_weights.assign(losses.size(), 1.0f);
  if (loss_weights.size() != losses.size()) {
    throw Error(label() + ": compile got " + std::to_string(loss_weights.size()) +
                " loss_weights for " + std::to_string(losses.size()) + " losses");
  }
  bool accuracy = false;
  for (const std::string& m : metrics) {
    if (m != "accuracy" && m != "acc") {
      throw Error(label() + ": unknown metric '" + m + "', expected accuracy");
    }
    accuracy = true;
  }
  accuracy_ = accuracy;
  optimizer_ = std::move(optimizer);
  losses_ = std::move(losses);
  loss_weights_ = std::move(loss_weights);
}

void Model::compile(std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Loss> loss,
                    std::vector<std::string> metrics) {
  std::vector<std::unique_ptr<Loss>> all;
  all.push_back(std::move(loss));
  compile(std::move(optimizer), std::move(all), std::move(metrics));
}

std::vector<std::string> Model::metrics() const {
  return accuracy_ ? std::vector<std::string>{"accuracy"} : std::vector<std::string>{};
}

Optimizer& Model::optimizer() {
  check_compiled("optimizer");
  return *optimizer_;
}

void Model::check_compiled(const char* caller) const {
  if (!optimizer_ || losses_.empty()) {
    throw Error(label() + ": " + caller + " called before compile(optimizer, loss, metrics)");
  }
}

// Throws unless xs holds one batch (N,...) per model input, all with the same N >= 1.
void Model::check_inputs(const char* caller, const std::vector<Tensor>& xs,
                         Index batch_size) const {
  const std::size_t inputs = built() ? inputs_.size() : 1;
  if (xs.size() != inputs) {
    throw Error(label() + ": " + caller + " got " + std::to_string(xs.size()) +
                " input array(s), the model has " + std::to_string(inputs) + " input(s)");
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    check_samples(caller, xs[0], xs[i], xs.size() > 1 ? "x[" + std::to_string(i) + "]" : "x", 2);
  }
  if (batch_size < 1) {
    throw Error(label() + ": " + caller + " batch_size must be >= 1, got " +
                std::to_string(batch_size));
  }
}

// check_inputs, and one target array per output with the inputs' N.
void Model::check_data(const char* caller, const std::vector<Tensor>& xs,
                       const std::vector<Tensor>& ys, Index batch_size) const {
  check_inputs(caller, xs, batch_size);
  if (ys.size() != losses_.size()) {
    throw Error(label() + ": " + caller + " got " + std::to_string(ys.size()) +
                " target array(s), the model has " + std::to_string(losses_.size()) + " output(s)");
  }
  for (std::size_t i = 0; i < ys.size(); ++i) {
    check_samples(caller, xs[0], ys[i], ys.size() > 1 ? "y[" + std::to_string(i) + "]" : "y", 1);
  }
}

// Throws unless `t` is a batch of at least `min_rank` with x's sample count, x non-empty.
void Model::check_samples(const char* caller, const Tensor& x, const Tensor& t,
                          const std::string& what, int min_rank) const {
  if (t.rank() < min_rank) {
    throw Error(label() + ": " + caller + " expects " + what + " as a batch (N,...), got " +
                t.shape().str());
  }
  if (t.dim(0) == 0) {
    throw Error(label() + ": " + caller + " got no samples: " + what + " " + t.shape().str());
  }
  if (t.dim(0) != x.dim(0)) {
    throw Error(label() + ": " + caller + " got " + std::to_string(x.dim(0)) + " samples in x " +
                x.shape().str() + " but " + std::to_string(t.dim(0)) + " in " + what + " " +
                t.shape().str());
  }
}

// One optimizer step on b, a whole batch or a rank's shard of one (an empty shard still takes part
// in the collectives). The loss is normalised by the global batch: each rank's gradient is its
// part of the gradient of the global mean, and the ranks' parts are summed.
void Model::train_batch(Batch& b, Sums& sums) {
  const std::vector<Parameter*> params = parameters(/*trainable_only=*/true);
  zero_gradients(params);
  const Index n = b.x.dim(0), global = b.global_size > 0 ? b.global_size : n;
  Sums batch;
  batch.loss.assign(losses_.size(), 0.0);
  batch.correct.assign(losses_.size(), 0);
  if (n > 0) {
    std::vector<Tensor> dys;
    score(forward(inputs_of(b), /*training=*/true), targets_of(b), batch, &dys,
          static_cast<float>(n) / static_cast<float>(global));
    backward(dys);
  } else {
    idle_step();
  }
  if (distributed()) {
    reduce_gradients(params);
    reduce_sums(batch);
  }
  add_sums(batch, sums);
  optimizer_->step(params);
}

void Model::eval_batch(Batch& b, Sums& sums) {
  score(forward(inputs_of(b), /*training=*/false), targets_of(b), sums, nullptr, 1.0f);
}

void Model::add_sums(const Sums& from, Sums& into) {
  into.loss.resize(from.loss.size());
  into.correct.resize(from.correct.size());
  for (std::size_t k = 0; k < from.loss.size(); ++k) {
    into.loss[k] += from.loss[k];
    into.correct[k] += from.correct[k];
  }
  into.samples += from.samples;
}

// Adds each output's loss (and correct predictions) on this batch to sums; with dys, also the
// gradient of the weighted total loss with respect to each output, times gradient_scale.
void Model::score(const std::vector<Tensor>& outs, const std::vector<Tensor>& ys, Sums& sums,
                  std::vector<Tensor>* dys, float gradient_scale) {
  if (ys.size() != outs.size()) {
    throw Error(label() + ": the batch has " + std::to_string(ys.size()) +
                " target array(s), the model has " + std::to_string(outs.size()) + " output(s)");
  }
  const Index n = outs[0].dim(0);
  sums.loss.resize(outs.size());
  sums.correct.resize(outs.size());
  for (std::size_t k = 0; k < outs.size(); ++k) {
    sums.loss[k] += static_cast<double>(losses_[k]->forward(outs[k], ys[k])) * n;
    if (accuracy_) sums.correct[k] += count_correct(outs[k], ys[k]);
    if (!dys) continue;
    Tensor dy = losses_[k]->backward();
    const float factor = loss_weights_[k] * gradient_scale;
    if (factor != 1.0f) {
      for (Index i = 0; i < dy.size(); ++i) dy[i] *= factor;
    }
    dys->push_back(std::move(dy));
  }
  sums.samples += n;
}

// Keras' names: "loss" (the weighted sum), and with several outputs "<output>_loss" and
// "<output>_accuracy" for each; with one output, "accuracy".
Logs Model::logs_of(const Sums& sums, const std::string& prefix) const {
  Logs logs;
  const double n = static_cast<double>(std::max<Index>(sums.samples, 1));
  double total = 0.0;
  for (std::size_t k = 0; k < sums.loss.size(); ++k) total += loss_weights_[k] * sums.loss[k] / n;
  logs[prefix + "loss"] = static_cast<float>(total);
  const bool several = sums.loss.size() > 1;
  for (std::size_t k = 0; k < sums.loss.size(); ++k) {
    const std::string out = several ? output_name(k) + "_" : "";
    if (several) logs[prefix + out + "loss"] = static_cast<float>(sums.loss[k] / n);
    if (accuracy_) logs[prefix + out + "accuracy"] = static_cast<float>(sums.correct[k] / n);
  }
  return logs;
}

// Tensors fit as a Dataset sharing their buffers, shuffled and batched as FitOptions say.
Dataset Model::training_batches(const Dataset& data, const FitOptions& options) const {
  return (options.shuffle ? data.shuffle(options.seed.value_or(seed_)) : data)
      .batch(options.batch_size);
}

History Model::fit(const Tensor& x, const Tensor& y, const FitOptions& options) {
  return fit(one(x), one(y), options);
}

History Model::fit(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                   const FitOptions& options) {
  check_compiled("fit");
  check_data("fit", xs, ys, options.batch_size);
  const float split = options.validation_split;
  if (!(split >= 0.0f && split < 1.0f)) {
    throw Error(label() + ": fit validation_split must be in [0,1), got " + std::to_string(split));
  }
  const Index count = xs[0].dim(0);
  const Index train_count = static_cast<Index>(count * (1.0 - split));
  const Dataset all(shares(xs), shares(ys));
  if (split == 0.0f) return fit_dataset(training_batches(all, options), nullptr, options);
  if (train_count == 0 || train_count == count) {
    throw Error(label() + ": validation_split " + std::to_string(split) + " of " +
                std::to_string(count) + " samples leaves an empty set");
  }
  const Dataset validation = all.skip(train_count).batch(options.batch_size);
  return fit_dataset(training_batches(all.take(train_count), options), &validation, options);
}

History Model::fit(const Tensor& x, const Tensor& y, const Tensor& x_val, const Tensor& y_val,
                   const FitOptions& options) {
  check_compiled("fit");
  check_data("fit", one(x), one(y), options.batch_size);
  check_data("fit (validation data)", one(x_val), one(y_val), options.batch_size);
  const Dataset validation = Dataset(x_val.share(), y_val.share()).batch(options.batch_size);
  return fit_dataset(training_batches(Dataset(x.share(), y.share()), options), &validation,
                     options);
}

History Model::fit(const Dataset& train, const FitOptions& options) {
  check_dataset_options(options);
  return fit_dataset(train, nullptr, options);
}

History Model::fit(const Dataset& train, const Dataset& validation, const FitOptions& options) {
  check_dataset_options(options);
  return fit_dataset(train, &validation, options);
}

void Model::check_dataset_options(const FitOptions& options) const {
  check_compiled("fit");
  if (options.validation_split != 0.0f) {
    throw Error(label() +
                ": fit with a Dataset cannot use validation_split; split the dataset with "
                "take/skip and pass the validation part");
  }
}

History Model::fit_dataset(const Dataset& train, const Dataset* validation,
                           const FitOptions& options) {
  if (!distributed()) return fit_epochs(train, validation, options);
  try {
    synchronize_state(train);
    return fit_epochs(train, validation, options);
  } catch (const std::exception& e) {
    communicator_->abort(label() + ": fit: " + e.what());
  }
}

History Model::fit_epochs(const Dataset& train_data, const Dataset* validation,
                          const FitOptions& options) {
  if (options.epochs < 0) {
    throw Error(label() + ": fit epochs must be >= 0, got " + std::to_string(options.epochs));
  }
  if (!train_data.batched() && options.batch_size < 1) {
    throw Error(label() + ": fit batch_size must be >= 1, got " +
                std::to_string(options.batch_size));
  }
  const Dataset train =
      shard_of(train_data.batched() ? train_data : train_data.batch(options.batch_size));
  if (train.steps() == 0) {
    throw Error(label() + ": fit got a dataset with no batches (" + std::to_string(train.size()) +
                " samples in batches of " + std::to_string(train.batch_size()) + ")");
  }
  if (options.initial_epoch < 0 || options.initial_epoch > options.epochs) {
    throw Error(label() + ": fit initial_epoch must be in [0, epochs=" +
                std::to_string(options.epochs) + "], got " + std::to_string(options.initial_epoch));
  }
  for (const auto& callback : options.callbacks) {
    if (!callback) throw Error(label() + ": fit was given an empty callback");
    callback->set_model(*this);
  }
  Progress progress(rank() == 0 ? options.verbose : 0);
  History history;
  allreduce_ms_ = 0.0;
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
      for (auto& l : layers_) l->set_sample_position(b.position);
      train_batch(b, sums);
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

Logs Model::train_on_batch(const Tensor& x, const Tensor& y) {
  return train_on_batch(one(x), one(y));
}

Logs Model::train_on_batch(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys) {
  check_compiled("train_on_batch");
  check_data("train_on_batch", xs, ys, 1);
  // The rank's shard of the global batch (all of it in one process). Positions continue from the
  // previous call, so that every call draws afresh.
  const Index n = xs[0].dim(0);
  const auto [first, last] = shard_range(n, rank(), ranks());
  auto part = [&, first = first, last = last](const Tensor& t) {
    return last - first == n ? t.share() : t.slice(first, last);
  };
  Batch b{part(xs[0]), part(ys[0]), {}, {}, next_position_ + first, n};
  for (std::size_t i = 1; i < xs.size(); ++i) b.other_inputs.push_back(part(xs[i]));
  for (std::size_t i = 1; i < ys.size(); ++i) b.other_targets.push_back(part(ys[i]));
  for (auto& l : layers_) l->set_sample_position(b.position);
  next_position_ += n;
  if (distributed()) attach_layers();
  Sums sums;
  train_batch(b, sums);
  return logs_of(sums, "");
}

Logs Model::evaluate(const Tensor& x, const Tensor& y, Index batch_size) {
  return evaluate(one(x), one(y), batch_size);
}

Logs Model::evaluate(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                     Index batch_size) {
  check_compiled("evaluate");
  check_data("evaluate", xs, ys, batch_size);
  return evaluate(Dataset(shares(xs), shares(ys)).batch(batch_size));
}

Logs Model::evaluate(const Dataset& data) {
  check_compiled("evaluate");
  Sums sums;
  sums.loss.assign(losses_.size(), 0.0);
  sums.correct.assign(losses_.size(), 0);
  for (Batch& b : shard_of(data.batched() ? data : data.batch(1)).epoch(0)) {
    if (b.x.dim(0) > 0) eval_batch(b, sums);
  }
  if (distributed()) reduce_sums(sums);
  if (sums.samples == 0) throw Error(label() + ": evaluate got a dataset with no samples");
  return logs_of(sums, "");
}

Tensor Model::predict(const Tensor& x, Index batch_size) {
  std::vector<Tensor> outs = predict(one(x), batch_size);
  if (outs.size() != 1) {
    throw Error(label() + ": predict(x) is for one output, the model has " +
                std::to_string(outs.size()) + "; pass a vector of inputs");
  }
  return std::move(outs[0]);
}

// Inference computes every sample on its own, so predict may run a batch in smaller chunks: ones
// whose largest activation stays within what the caches hold, but of at least 64 samples, over
// which the costs of a layer call (weights folded and transformed per call) stay small. ResNet-20
// at batch 256 (64 KB per sample in its first stage) otherwise writes every activation out to
// memory and reads it back.
Index Model::inference_chunk(Index batch_size) const {
  constexpr Index kChunkBytes = Index(4) << 20, kMinChunk = 64;
  Index largest = 1;  // floats per sample
  for (const Node& in : inputs_) largest = std::max(largest, in.shape().size());
  for (const Step& s : steps_) {
    if (s.layer) largest = std::max(largest, s.layer->output_shape().size());
  }
  const Index chunk = std::max(kMinChunk, kChunkBytes / (largest * Index{sizeof(float)}));
  return std::min(chunk, batch_size);
}

std::vector<Tensor> Model::predict(const std::vector<Tensor>& xs, Index batch_size) {
  check_inputs("predict", xs, batch_size);
  std::vector<Tensor> outs;
  std::vector<Index> rows;
  const Index count = xs[0].dim(0), chunk = inference_chunk(batch_size);
  for (Index begin = 0; begin < count; begin += chunk) {
    const Index end = std::min(count, begin + chunk);
    std::vector<Tensor> part_inputs;
    for (const Tensor& x : xs) part_inputs.push_back(x.slice(begin, end));
    std::vector<Tensor> parts = forward(part_inputs, /*training=*/false);
    if (outs.empty()) {
      for (const Tensor& p : parts) outs.emplace_back(p.shape().without_batch().with_batch(count));
      rows.assign(parts.size(), 0);
    }
    for (std::size_t k = 0; k < parts.size(); ++k) {
      std::copy(parts[k].data(), parts[k].data() + parts[k].size(), outs[k].data() + rows[k]);
      rows[k] += parts[k].size();
    }
  }
  return outs;
}

}  // namespace minidl
