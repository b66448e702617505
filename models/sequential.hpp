// Sequential: a stack of layers trained with compile/fit, used with evaluate/predict.
//   fit       forwards every batch with training=true: augmentation transforms, Dropout drops.
//   evaluate  forwards with training=false: augmentation is the identity.
//   predict   forwards with training=false, in batches.
// Randomness: layer i without its own seed gets derive_seed(model seed, i); epoch e of fit shuffles
// with derive_seed(shuffle seed, e), so the same seeds give bit-identical training.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <minidl/data/dataset.hpp>
#include <minidl/layers/layer.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/models/losses.hpp>
#include <minidl/models/optimizers.hpp>
#include <minidl/models/progress.hpp>

namespace minidl {

struct FitOptions {
  int epochs = 1;
  // With a Dataset: used only when the dataset is not batched.
  Index batch_size = 32;
  // The last fraction of (x, y), taken before shuffling, is held out for validation (as Keras).
  // Tensors only: a Dataset is split with take/skip.
  float validation_split = 0.0f;
  // Tensors only: a Dataset shuffles when it was made with shuffle(seed).
  bool shuffle = true;
  // Seed of the per-epoch shuffle of tensors; the model's seed when not given.
  std::optional<std::uint64_t> seed;
  // 0 silent, 1 a live bar on a terminal and a line per epoch otherwise, 2 a line per epoch.
  int verbose = 1;
  // Epochs initial_epoch .. epochs-1 run: a run resumed from a checkpoint of epoch k passes
  // initial_epoch = k and replays epochs k.. exactly (shuffle and random draws come from
  // (seed, epoch)).
  int initial_epoch = 0;
  std::vector<std::shared_ptr<Callback>> callbacks;
};

// Per-epoch values, as Keras' History.history: "loss", "accuracy", "val_loss", "val_accuracy".
struct History {
  std::map<std::string, std::vector<float>> history;
  int epochs() const { return history.empty() ? 0 : int(history.begin()->second.size()); }
};

class Sequential {
 public:
  explicit Sequential(std::uint64_t seed = 0, std::string name = "sequential");

  // Adds a layer, naming it after its type when it has no name ("dense", "dense_1", ...).
  Layer& add(std::unique_ptr<Layer> layer);
  template <class L, class = std::enable_if_t<std::is_base_of_v<Layer, L>>>
  L& add(L layer) {
    return static_cast<L&>(add(std::make_unique<L>(std::move(layer))));
  }

  // Builds every layer for samples of `sample_shape` (no batch axis), e.g. {32,32,3}.
  void build(const Shape& sample_shape);
  bool built() const { return built_; }

  // The Keras-style table: layer (type), output shape, parameter count, totals.
  std::string summary_table() const;
  void summary() const;

  // metrics: {} or {"accuracy"}.
  void compile(std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Loss> loss,
               std::vector<std::string> metrics = {});
  // Constrained so that the unique_ptr call inside does not match this template again.
  template <class O, class L,
            class = std::enable_if_t<std::is_base_of_v<Optimizer, O> && std::is_base_of_v<Loss, L>>>
  void compile(O optimizer, L loss, std::vector<std::string> metrics = {}) {
    compile(std::make_unique<O>(std::move(optimizer)), std::make_unique<L>(std::move(loss)),
            std::move(metrics));
  }

  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  History fit(const Tensor& x, const Tensor& y, const Tensor& x_val, const Tensor& y_val,
              const FitOptions& options = {});
  // Epoch e trains on train.epoch(e), e.g. a shuffled, batched, prefetched pipeline.
  History fit(const Dataset& train, const FitOptions& options = {});
  History fit(const Dataset& train, const Dataset& validation, const FitOptions& options = {});
  // One optimizer step on one batch (training=true), as Keras' train_on_batch: "loss" and each
  // metric of that batch.
  Logs train_on_batch(const Tensor& x, const Tensor& y);
  // "loss" and each metric, averaged over all samples.
  Logs evaluate(const Tensor& x, const Tensor& y, Index batch_size = 32);
  // Over one pass of `data` (its epoch 0).
  Logs evaluate(const Dataset& data);
  Tensor predict(const Tensor& x, Index batch_size = 32);

  // One batch through every layer (builds on first use), and the gradient back through them.
  Tensor forward(const Tensor& x, bool training);
  // Back from dL/d(output) to the first layer with parameters: layers before it need no gradient.
  void backward(const Tensor& dy);
  // Every parameter of every layer, in layer order; trainable ones only when asked.
  std::vector<Parameter*> parameters(bool trainable_only = false);

  // Copies of every parameter's values (trainable or not), in parameters() order, and back.
  std::vector<Tensor> get_weights();
  void set_weights(const std::vector<Tensor>& weights);
  // The weights file of models/weights_file.hpp, written atomically (temporary file, fsync,
  // rename); with include_optimizer, the optimizer's step count, learning rate and state too.
  void save_weights(const std::string& path, bool include_optimizer = false);
  // Checks the whole file (CRC, names, shapes) before changing anything, so on an error the model
  // is untouched. The optimizer's state is restored when the file has it and the model is
  // compiled with an optimizer of the same type.
  void load_weights(const std::string& path);
  // Parameters named "<layer>/<parameter>", as the weights file names them.
  std::vector<std::pair<std::string, Parameter*>> named_parameters(bool trainable_only = false);

  // Asks fit to stop after the current epoch (EarlyStopping does).
  void stop_training() { stop_training_ = true; }

  std::size_t size() const { return layers_.size(); }
  Layer& layer(std::size_t index);
  Layer& layer(const std::string& name);
  const std::string& name() const { return name_; }
  std::uint64_t seed() const { return seed_; }
  Optimizer& optimizer();

 private:
  struct Sums;
  void check_compiled(const char* caller) const;
  void check_built(const char* caller) const;
  void check_dataset_options(const FitOptions& options) const;
  void check_pair(const char* caller, const Tensor& x, const Tensor& y, Index batch_size) const;
  void train_batch(const Tensor& x, const Tensor& y, Sums& sums);
  void eval_batch(const Tensor& x, const Tensor& y, Sums& sums);
  Logs logs_of(const Sums& sums, const std::string& prefix) const;
  Dataset training_batches(const Dataset& data, const FitOptions& options) const;
  History fit_dataset(const Dataset& train, const Dataset* validation, const FitOptions& options);

  std::uint64_t seed_;
  std::string name_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Loss> loss_;
  bool accuracy_ = false;
  bool built_ = false;
  bool stop_training_ = false;
  std::size_t first_trainable_ = 0;  // index of the first layer with parameters
};

}  // namespace minidl
