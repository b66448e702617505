// Model: a graph of layers from input nodes to output nodes (Keras' Functional model), trained
// with compile/fit and used with evaluate/predict. Sequential (models/sequential.hpp) builds a
// chain-shaped Model; everything below is shared by both.
//
//   minidl::Node x = minidl::Input({32, 32, 3});
//   minidl::Node h = minidl::Conv2D(16, 3, 1, "same", "relu")(x);
//   minidl::Node y = minidl::Dense(10)(minidl::GlobalAveragePooling2D()(h));
//   minidl::Model model({x}, {y}, "small_cnn", /*seed=*/1);
//   model.compile(minidl::Adam(1e-3f), minidl::SparseCategoricalCrossentropy(true), {"accuracy"});
//
//   fit       forwards every batch with training=true: augmentation transforms, Dropout drops.
//   evaluate  forwards with training=false: augmentation is the identity.
//   predict   forwards with training=false, in batches of at most batch_size samples: fewer
//             where that many samples' activations would not stay in cache (the results are
//             the same: inference computes every sample on its own).
// Serving: predict may be called from several threads at once on a built model (a loaded one
// is), with the results of serial calls: inference writes no model or layer state. Not while fit,
// compile, set_weights or load_weights run on the same model. Each calling thread runs its own
// OpenMP team of num_threads(); with many serving threads, set the count to 1 before starting
// them (set_num_threads).
// Execution: forward runs the nodes in a topological order (inputs before readers, otherwise
// the order of the outputs' dependencies), dropping each intermediate tensor after its last
// reader; backward runs them in reverse, summing the gradients of a tensor read by several
// layers, and skips the layers before the first parameter on every path. A plain ReLU whose
// input is read by nothing else is folded into the layer before it when that layer can apply it
// in its own pass (BatchNormalization, Add): the same numbers, one pass over memory less. In
// inference a BatchNormalization reading a Conv2D read by nothing else is folded into the
// convolution's weights (equal up to float rounding).
// Randomness: layer i (in that order) without its own seed gets derive_seed(model seed, i); epoch
// e of fit shuffles with derive_seed(shuffle seed, e), so the same seeds give bit-identical
// training.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <minidl/core/communicator.hpp>
#include <minidl/data/dataset.hpp>
#include <minidl/layers/layer.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/models/losses.hpp>
#include <minidl/models/node.hpp>
#include <minidl/models/optimizers.hpp>
#include <minidl/models/progress.hpp>
#include <minidl/models/weights_file.hpp>

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

struct DistributeOptions {
  // BatchNormalization layers normalise with the statistics of the global batch, gathered from
  // every rank (as SyncBatchNorm); false keeps each rank's own, which then depend on how many
  // ranks share a batch: the trained weights stay equal on every rank, the moving statistics are
  // each rank's (rank 0's are the ones saved).
  bool sync_batch_norm = true;
};

// Per-epoch values, as Keras' History.history: "loss", "accuracy", "val_loss", "val_accuracy";
// a model with several outputs adds "<output>_loss" and "<output>_accuracy" per output.
struct History {
  std::map<std::string, std::vector<float>> history;
  int epochs() const { return history.empty() ? 0 : int(history.begin()->second.size()); }
};

// One loss per output, for compile: minidl::losses(SparseCategoricalCrossentropy(),
// MeanSquaredError()).
template <class... L>
std::vector<std::unique_ptr<Loss>> losses(L... loss) {
  std::vector<std::unique_ptr<Loss>> all;
  (all.push_back(std::make_unique<L>(std::move(loss))), ...);
  return all;
}

class Model {
 public:
  // Every output must depend only on `inputs`, and every input must be used by an output.
  // Unnamed layers are named after their type ("conv2d", "conv2d_1"), unnamed inputs
  // "input_layer", "input_layer_1". A layer without its own seed (Layer::set_seed) gets one from
  // the model and draws its initial weights again: set weights by hand after making the model.
  Model(std::vector<Node> inputs, std::vector<Node> outputs, std::string name = "functional",
        std::uint64_t seed = 0);
  virtual ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  bool built() const { return !steps_.empty(); }
  const std::vector<Node>& inputs() const { return inputs_; }
  const std::vector<Node>& outputs() const { return outputs_; }
  // The name an output goes by in logs: its layer's name.
  std::string output_name(std::size_t index) const;

  // The Keras-style table: layer (type), output shape, parameter count, "Connected to" (for
  // graphs that are not a chain), totals.
  std::string summary_table() const;
  void summary() const;

  // metrics: {} or {"accuracy"} (for every output). One loss for every output, in order, with
  // weights for the total loss (all 1 when empty).
  void compile(std::unique_ptr<Optimizer> optimizer, std::vector<std::unique_ptr<Loss>> losses,
               std::vector<std::string> metrics = {}, std::vector<float> loss_weights = {});
  void compile(std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Loss> loss,
               std::vector<std::string> metrics = {});
  // Constrained so that the unique_ptr call inside does not match this template again.
  template <class O, class L,
            class = std::enable_if_t<std::is_base_of_v<Optimizer, O> && std::is_base_of_v<Loss, L>>>
  void compile(O optimizer, L loss, std::vector<std::string> metrics = {}) {
    compile(std::make_unique<O>(std::move(optimizer)), std::make_unique<L>(std::move(loss)),
            std::move(metrics));
  }
  template <class O, class = std::enable_if_t<std::is_base_of_v<Optimizer, O>>>
  void compile(O optimizer, std::vector<std::unique_ptr<Loss>> losses,
               std::vector<std::string> metrics = {}, std::vector<float> loss_weights = {}) {
    compile(std::make_unique<O>(std::move(optimizer)), std::move(losses), std::move(metrics),
            std::move(loss_weights));
  }

  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  History fit(const Tensor& x, const Tensor& y, const Tensor& x_val, const Tensor& y_val,
              const FitOptions& options = {});
  // Several inputs and outputs: one tensor per model input, one target per output, in order.
  History fit(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
              const FitOptions& options = {});
  // Epoch e trains on train.epoch(e), e.g. a shuffled, batched, prefetched pipeline. A model
  // with several inputs or outputs takes them from Batch::other_inputs / other_targets.
  History fit(const Dataset& train, const FitOptions& options = {});
  History fit(const Dataset& train, const Dataset& validation, const FitOptions& options = {});
  // One optimizer step on one batch (training=true), as Keras' train_on_batch: "loss" and each
  // metric of that batch.
  Logs train_on_batch(const Tensor& x, const Tensor& y);
  Logs train_on_batch(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys);
  // "loss" and each metric, averaged over all samples.
  Logs evaluate(const Tensor& x, const Tensor& y, Index batch_size = 32);
  Logs evaluate(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                Index batch_size = 32);
  // Over one pass of `data` (its epoch 0).
  Logs evaluate(const Dataset& data);
  // A model with one input and one output.
  Tensor predict(const Tensor& x, Index batch_size = 32);
  // One tensor per output.
  std::vector<Tensor> predict(const std::vector<Tensor>& xs, Index batch_size = 32);

  // One batch through the graph and the gradient back (one input and one output).
  Tensor forward(const Tensor& x, bool training);
  void backward(const Tensor& dy);
  // One tensor per input and per output.
  std::vector<Tensor> forward(const std::vector<Tensor>& xs, bool training);
  void backward(const std::vector<Tensor>& dys);
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
  // What save_weights writes and load_weights reads (text entries are skipped), for model files.
  // `source` names the file in errors.
  std::vector<WeightsEntry> weight_entries(bool include_optimizer);
  void load_weight_entries(std::vector<WeightsEntry> entries, const std::string& source);

  // The whole model in one file (models/saving/model_file.hpp): the architecture, the weights and,
  // with include_optimizer, the compile settings and the optimizer's state; written atomically.
  // minidl::load_model reads it back.
  void save(const std::string& path, bool include_optimizer = true);
  // Saved with the model and restored by load_model, e.g. {"class_names": ["cat", "dog"]}.
  Json& metadata() { return metadata_; }
  const Json& metadata() const { return metadata_; }

  // Profiling: when set, called after every layer call of forward and backward with its wall
  // time in milliseconds (bench/minidl_bench --layers prints these). Empty by default.
  using StepObserver = std::function<void(const Layer& layer, bool backward, double ms)>;
  void observe_steps(StepObserver observer) { observer_ = std::move(observer); }

  // Data-parallel training: every rank (process) of `communicator` runs the same program with the
  // same model, data and seeds, and calls distribute before fit. Then:
  //   fit        batch_size (or the dataset's batches) is the global batch: each rank takes its
  //              contiguous shard of every batch (Dataset::shard_batches), the loss is
  //              normalised by the global batch, gradients and metrics are summed over the ranks,
  //              and every rank starts from rank 0's weights and optimizer state (broadcast at
  //              the start of fit, so loading a checkpoint on rank 0 is enough). Random draws are
  //              keyed by sample position (Layer::start_epoch): N ranks train as one process with
  //              the same global batch, up to the order of float sums. Only rank 0 shows progress;
  //              ModelCheckpoint and CSVLogger write on rank 0 only. An exception on any rank
  //              ends every rank (Communicator::abort): the others would wait for it forever.
  //   evaluate   each rank evaluates its shard of every batch; the results are global.
  //   train_on_batch  x and y are the global batch; each rank trains on its shard.
  //   predict    runs on the calling rank alone, on all of x.
  // A communicator of one rank changes nothing.
  void distribute(std::shared_ptr<Communicator> communicator, DistributeOptions options = {});
  // This process's rank and the number of ranks: 0 and 1 unless distributed.
  int rank() const { return communicator_ ? communicator_->rank() : 0; }
  int ranks() const { return communicator_ ? communicator_->size() : 1; }
  // Milliseconds the last fit spent summing gradients over the ranks.
  double allreduce_milliseconds() const { return allreduce_ms_; }

  // Every layer's dtype policy (core/dtype_policy.hpp), e.g. "mixed_bfloat16": weights, the
  // optimizer's state and the loss stay float32, so a model can change policy between fits.
  void set_dtype_policy(const std::string& name);

  // Asks fit to stop after the current batch (EarlyStopping at an epoch's end).
  void stop_training() { stop_training_ = true; }

  // The distinct layers, in execution order (a shared layer once).
  std::size_t size() const { return layers_.size(); }
  Layer& layer(std::size_t index);
  Layer& layer(const std::string& name);
  const std::string& name() const { return name_; }
  std::uint64_t seed() const { return seed_; }
  Optimizer& optimizer();
  bool compiled() const { return optimizer_ && !losses_.empty(); }
  // The compile settings: one loss per output, their weights, {"accuracy"} or {}.
  const std::vector<std::unique_ptr<Loss>>& compiled_losses() const { return losses_; }
  const std::vector<float>& loss_weights() const { return loss_weights_; }
  std::vector<std::string> metrics() const;

 protected:
  // For Sequential, whose graph is made when the input shape is known.
  Model(std::uint64_t seed, std::string name);
  void set_graph(std::vector<Node> inputs, std::vector<Node> outputs);
  // Called before a forward when the model is not built: Sequential builds from the batch.
  virtual void build_for(const std::vector<Tensor>& xs);
  // What messages start with: "Sequential 'name'" or "Functional 'name'".
  std::string label() const;
  virtual const char* kind() const { return "Functional"; }
  // `base`, or `base_1`, `base_2`, ...: the first not in `taken`, which then holds it (Keras'
  // default layer names).
  static std::string unique_name(const std::string& base, std::set<std::string>& taken);

  std::vector<std::shared_ptr<Layer>> layers_;

 private:
  // One layer call (or input) of the graph, in execution order.
  struct Step {
    Layer* layer = nullptr;         // nullptr for a model input
    std::size_t input = 0;          // which model input, for an input step
    std::vector<int> sources;       // steps read by this one, in the layer's argument order
    int readers = 0;                // how many arguments of later steps read this one
    bool output = false;            // a model output: kept after its last reader, never folded
    bool needs_gradient = false;    // a trainable parameter at or before this step
    bool shared = false;            // its layer is called at other steps too
    bool applies_relu = false;      // its layer also applies the ReLU of the step reading it
    bool folded = false;            // a ReLU applied by the step it reads: passes values through
    int affine = -1;                // in inference, the BatchNormalization step folded into it
    bool affine_folded = false;     // in inference, folded into the step it reads
    bool maps_gradient = false;     // a BatchNormalization whose input gradient the step it reads
                                    // applies (Layer::takes_normalization_gradient)
    int residual = -1;              // in inference, a step whose value it adds to its output (and
    bool residual_relu = false;     // then the ReLU): an Add reading its folded BatchNormalization
    int sum_from = -1;              // in inference, an Add whose sum that step computes
    bool output_by_reader = false;  // in training, a BatchNormalization whose output pass the
    int normalized_source = -1;     // Add reading it does: that Add's argument it is
    int pools = -1;                 // a Conv2D doing the MaxPooling2D step reading it (forward
    bool pooled_by_source = false;  // and backward: Conv2D::forward_pooled), and that step
    std::vector<Tensor> cache;      // a shared layer's backward cache of this call
  };
  // Sums over the samples seen so far of each output's mean batch loss and correct predictions.
  struct Sums {
    std::vector<double> loss;
    std::vector<Index> correct;
    Index samples = 0;
  };

  void name_graph();
  void order_steps();
  void fuse_steps();
  void fold_adds();
  void check_graph() const;
  std::string first_reader(std::size_t input) const;

  void check_compiled(const char* caller) const;
  void check_built(const char* caller) const;
  void check_dataset_options(const FitOptions& options) const;
  void check_inputs(const char* caller, const std::vector<Tensor>& xs, Index batch_size) const;
  // The samples predict runs at once: at most batch_size, fewer where the activations of
  // batch_size samples would not stay in cache.
  Index inference_chunk(Index batch_size) const;
  void check_data(const char* caller, const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                  Index batch_size) const;
  void check_samples(const char* caller, const Tensor& x, const Tensor& t, const std::string& what,
                     int min_rank) const;
  std::vector<Tensor> run_forward(const std::vector<Tensor>& xs, bool training);
  void run_backward(const std::vector<Tensor>& dys);
  void train_batch(Batch& batch, Sums& sums);
  void eval_batch(Batch& batch, Sums& sums);
  void score(const std::vector<Tensor>& outs, const std::vector<Tensor>& ys, Sums& sums,
             std::vector<Tensor>* dys, float gradient_scale);
  static void add_sums(const Sums& from, Sums& into);
  // Data parallelism (model_distributed.cpp).
  bool distributed() const { return communicator_ && communicator_->size() > 1; }
  Dataset shard_of(const Dataset& data) const;
  void attach_layers();
  void synchronize_state(const Dataset& train);
  void reduce_gradients(const std::vector<Parameter*>& params);
  void reduce_sums(Sums& sums);
  void idle_step();
  Logs logs_of(const Sums& sums, const std::string& prefix) const;
  Dataset training_batches(const Dataset& data, const FitOptions& options) const;
  History fit_tensors(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                      const FitOptions& options);
  History fit_dataset(const Dataset& train, const Dataset* validation, const FitOptions& options);
  History fit_epochs(const Dataset& train, const Dataset* validation, const FitOptions& options);

  std::uint64_t seed_;
  std::string name_;
  std::vector<Node> inputs_, outputs_;
  std::vector<Step> steps_;
  std::vector<int> output_steps_;
  std::vector<std::unique_ptr<Loss>> losses_;
  std::vector<float> loss_weights_;
  std::unique_ptr<Optimizer> optimizer_;
  bool accuracy_ = false;
  bool stop_training_ = false;
  StepObserver observer_;
  std::shared_ptr<Communicator> communicator_;
  DistributeOptions distribute_options_;
  double allreduce_ms_ = 0.0;
  std::vector<float> gradient_buffer_;  // every gradient, packed for one all-reduce
  Index next_position_ = 0;             // of train_on_batch's next sample (Layer::start_epoch)
  Json metadata_ = Json::object();
};

}  // namespace minidl
