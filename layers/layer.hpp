// Layer: the contract every layer implements.
//   build(sample_shape)     checks one sample's shape (no batch axis), creates the weights,
//                           returns the output sample shape. Called once.
//   forward(x, training)    x is (N, sample_shape...). Caches what backward needs only when
//                           `training` is true; `training` is passed on every call, never stored.
//   backward(dy)            dy is dL/d(output) of the last training forward; returns dL/dx and
//                           adds the parameter gradients into parameters()[i]->grad.
//   operator()(x, training) builds from x's sample shape on first use, then forwards: this is how
//                           a layer is called outside a model.
//   operator()(node)        on a temporary, `Dense(10)(x)`: adds the layer to a Functional graph
//                           (models/node.hpp); the graph owns it from then on.
// Layers with several inputs (Add, Concatenate) derive from MergeLayer (layers/merge/), which
// overrides the *_inputs functions below; for every other layer they are the one-input case.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <minidl/core/dtype_policy.hpp>
#include <minidl/core/generator.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/layers/config.hpp>

namespace minidl {

class Communicator;
class Node;
struct NormalizationGradient;

struct Parameter {
  std::string name;  // "kernel", "bias", ...
  Tensor value;
  Tensor grad;            // same shape as value
  bool trainable = true;  // false for statistics such as moving means: no optimizer touches them
};

// "MaxPooling2D" -> "max_pooling2d": a layer's default name, as Keras derives it.
std::string default_layer_name(const std::string& type);

class Layer {
 public:
  Layer() = default;
  virtual ~Layer() = default;
  // Movable (so Sequential::add can take one by value), not copyable: layers own tensors.
  Layer(Layer&&) = default;
  Layer& operator=(Layer&&) = default;

  // The Keras class name: "Dense", "Conv2D".
  virtual std::string type() const = 0;
  // The arguments the layer was made with, under Keras' names (layers/config.hpp); its name and
  // seed are the model file's to add. Each built-in layer also has a static from_config. A user
  // layer overrides get_config and registers a factory (register_layer in
  // models/saving/layer_registry.hpp) to be saved in a model file; the default throws.
  virtual Json get_config() const;

  Shape build(const Shape& sample_shape);
  virtual Tensor forward(const Tensor& x, bool training) = 0;
  virtual Tensor backward(const Tensor& dy) = 0;
  virtual std::vector<Parameter*> parameters() { return {}; }

  Tensor operator()(const Tensor& x, bool training);

  // Functional graphs (models/node.hpp). A temporary layer moves into the graph; a layer called
  // at several places (shared weights) is made with minidl::Shared, whose call comes here.
  Node operator()(const Node& x) &&;
  Node operator()(const std::vector<Node>& inputs) &&;
  // Calling a named local layer would leave the graph pointing at an object it does not own:
  // write `Dense(10)(x)`, or `Shared<Dense> d(Dense(10)); d(x1); d(x2);` for one layer at two
  // places.
  Node operator()(const Node& x) & = delete;
  Node operator()(const std::vector<Node>& inputs) & = delete;
  // Moves this layer into a new shared object of its own type (how a temporary joins a graph).
  // Built-in layers implement it; a user layer used in a graph through Shared<L> needs none.
  virtual std::shared_ptr<Layer> into_shared() &&;

  // The multi-input form of build/forward/backward, used by Model for every layer. The defaults
  // accept exactly one input and call the single-input functions.
  virtual Shape build_inputs(const std::vector<Shape>& sample_shapes);
  virtual Tensor forward_inputs(const std::vector<Tensor>& xs, bool training);
  virtual std::vector<Tensor> backward_inputs(const Tensor& dy);

  // ReLU folded into the layer before it, when a graph finds a plain ReLU (no cap, slope or
  // threshold) as the only reader of a layer that can take it: forward_relu(xs, training) is
  // max(0, forward_inputs(xs, training)) in one pass over memory, and the backward after it takes
  // dL/d(that max). The results are those of the two layers, bit for bit.
  virtual bool is_plain_relu() const { return false; }
  virtual bool fuses_relu() const { return false; }
  virtual Tensor forward_relu(const std::vector<Tensor>& xs, bool training);

  // BatchNormalization folded into the layer before it, at inference only (in training it needs
  // the batch's statistics): a layer that is a per-channel y = x * scale + shift in inference
  // gives them (inference_affine), and one that can fold them (folds_affine, Conv2D) computes
  // forward_affine(xs, scale, shift, residual, relu) = [ReLU](forward(xs) * scale + shift
  // [+ residual]) in one pass, where `residual` (may be null) is the other operand of an Add
  // reading the BatchNormalization. The results equal the layers' up to float rounding.
  virtual bool inference_affine(std::vector<float>* /*scale*/,
                                std::vector<float>* /*shift*/) const {
    return false;
  }
  virtual bool folds_affine() const { return false; }
  virtual Tensor forward_affine(const std::vector<Tensor>& xs, const std::vector<float>& scale,
                                const std::vector<float>& shift, const Tensor* residual, bool relu);

  // BatchNormalization's input gradient applied by the layer before it, in training: a graph that
  // finds a BatchNormalization as the only reader of a layer that takes it
  // (takes_normalization_gradient) ends the BatchNormalization's backward at its map from output
  // gradient to input gradient (normalization_maps.hpp), and this layer's
  // backward_normalized(map) applies it block by block as it reads its output gradient: one pass
  // over memory and one tensor less. The results equal the two backward passes bit for bit.
  virtual bool takes_normalization_gradient() const { return false; }
  virtual std::vector<Tensor> backward_normalized(const NormalizationGradient& map);

  // The tensors a training forward caches for backward. A layer called at several places of one
  // graph keeps one cache per call: the model swaps them in and out around each call. nullopt:
  // the cache is not only tensors (e.g. MaxPooling2D's argmax indices), so the layer cannot be
  // shared in training (inference needs no cache, so it can be shared there).
  virtual std::optional<std::vector<Tensor*>> backward_cache() { return std::nullopt; }

  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }
  Index count_params();

  // Unique within a model; a model names unnamed layers after their type ("dense", "dense_1").
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  // "Dense 'dense_1'" (or "Dense" before the layer has a name): how every message starts.
  std::string label() const;

  // The seed of this layer's random draws (weight initialisation, dropout masks, augmentation).
  // An explicit seed wins; otherwise a model derives one from (model seed, layer index).
  bool has_seed() const { return seed_.has_value(); }
  std::uint64_t seed() const { return seed_.value_or(0); }
  void set_seed(std::uint64_t seed) { seed_ = seed; }
  // Draws the initial weights again from seed(): a Functional graph builds its layers when they
  // are called (to infer shapes), before the model that gives them their seeds exists.
  void reset_weights();

  // Random draws (augmentation parameters, dropout masks) are made per sample: sample i of a
  // training call draws from a stream of its own, keyed by (seed, epoch, position + i, call), so
  // its draws depend neither on the other samples of its batch nor on how many processes share
  // the batch: a batch draws what its halves draw separately.
  //   epoch     set by start_epoch (fit calls it every epoch; outside fit it stays 0);
  //   position  the place of the batch's first sample in the epoch, set by fit and Dataset::map
  //             before every batch (set_sample_position; 0 after start_epoch);
  //   call      the training calls since then: a layer called at two places of a graph, or in
  //             a loop outside fit, draws afresh at every call.
  void start_epoch(std::uint64_t epoch) {
    epoch_ = epoch;
    set_sample_position(0);
  }
  void set_sample_position(Index position) {
    position_ = position;
    calls_ = 0;
  }

  // Data-parallel training (Model::distribute). A layer whose training pass needs the whole
  // global batch, not its rank's shard (BatchNormalization's statistics), takes the communicator
  // here (nullptr: local again) and uses it in forward and backward; a rank whose shard of a
  // batch is empty calls join_collectives instead (backward false, then true), so that the
  // layer's collectives still match the other ranks'.
  virtual void synchronize_over(Communicator*) {}
  virtual void join_collectives(bool /*backward*/) {}

  // What the layer computes in (core/dtype_policy.hpp): the global policy when it was made.
  // Conv2D and Dense run their products in bfloat16 under mixed_bfloat16; the others compute in
  // float32 under both.
  DtypePolicy dtype_policy() const { return dtype_policy_; }
  void set_dtype_policy(DtypePolicy policy) { dtype_policy_ = policy; }

  // Whether backward must compute dL/dx. A model turns it
  // off for the first layer with parameters and those before it, where nobody reads dx; backward
  // then returns an empty tensor.
  bool input_gradient() const { return input_gradient_; }
  void set_input_gradient(bool needed) { input_gradient_ = needed; }

 protected:
  // Implemented by each layer: validate the sample shape, create weights, return the output shape.
  virtual Shape build_impl(const Shape& sample_shape) = 0;

  // Throws unless x is (N, input_shape()...), naming the expected layout, e.g. "(N,H,W,C)".
  void check_input(const Tensor& x) const;
  // For layers on images: throws unless a sample shape is (H,W,C).
  void check_image_sample(const Shape& sample_shape) const;
  // Throws unless dy is (N, output_shape()...).
  void check_gradient_shape(const Tensor& dy) const;
  // Throws unless a training forward over a batch of `cached_batch` samples (-1: none) cached
  // what backward needs, and dy is the gradient of that batch.
  void check_backward(Index cached_batch, const Tensor& dy) const;
  // The batch size of a cache tensor, -1 while it is empty.
  static Index batch_of(const Tensor& cache) { return cache.empty() ? -1 : cache.dim(0); }
  // The streams of the samples of one training call, in batch order (see start_epoch).
  class SampleStreams {
   public:
    SampleStreams(std::uint64_t key, Index position) : key_(key), position_(position) {}
    Generator operator()(Index sample) const {
      return Generator(derive_seed(key_, static_cast<std::uint64_t>(position_ + sample)));
    }
    // Other streams for the same samples (a layer that runs other layers gives each its own).
    SampleStreams part(std::uint64_t slot) const { return {derive_seed(key_, slot), position_}; }

   private:
    std::uint64_t key_;
    Index position_;
  };
  // The streams of this call's samples; the next call gets other ones.
  SampleStreams next_sample_streams() {
    return {derive_seed(derive_seed(seed(), epoch_), calls_++), position_};
  }

 private:
  std::string name_;
  std::optional<std::uint64_t> seed_;
  std::uint64_t epoch_ = 0;
  Index position_ = 0;
  std::uint64_t calls_ = 0;
  bool input_gradient_ = true;
  DtypePolicy dtype_policy_ = global_dtype_policy();
  Shape input_shape_;
  Shape output_shape_;
  bool built_ = false;
};

}  // namespace minidl
