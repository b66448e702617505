// Layer: the contract every layer implements.
//   build(sample_shape)     checks one sample's shape (no batch axis), creates the weights,
//                           returns the output sample shape. Called once.
//   forward(x, training)    x is (N, sample_shape...). Caches what backward needs only when
//                           `training` is true; `training` is passed on every call, never stored.
//   backward(dy)            dy is dL/d(output) of the last training forward; returns dL/dx and
//                           adds the parameter gradients into parameters()[i]->grad.
//   operator()(x, training) builds from x's sample shape on first use, then forwards: this is how
//                           a layer is called outside a model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <minidl/core/generator.hpp>
#include <minidl/core/tensor.hpp>

namespace minidl {

struct Parameter {
  std::string name;  // "kernel", "bias", ...
  Tensor value;
  Tensor grad;            // same shape as value
  bool trainable = true;  // false for statistics such as moving means: no optimizer touches them
};

class Layer {
 public:
  Layer() = default;
  virtual ~Layer() = default;
  // Movable (so Sequential::add can take one by value), not copyable: layers own tensors.
  Layer(Layer&&) = default;
  Layer& operator=(Layer&&) = default;

  // The Keras class name: "Dense", "Conv2D".
  virtual std::string type() const = 0;

  Shape build(const Shape& sample_shape);
  virtual Tensor forward(const Tensor& x, bool training) = 0;
  virtual Tensor backward(const Tensor& dy) = 0;
  virtual std::vector<Parameter*> parameters() { return {}; }

  Tensor operator()(const Tensor& x, bool training);

  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }
  Index count_params();

  // Unique within a model; a model names unnamed layers after their type ("dense", "dense_1").
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // The seed of this layer's random draws (weight initialisation, dropout masks, augmentation).
  // An explicit seed wins; otherwise a model derives one from (model seed, layer index).
  bool has_seed() const { return seed_.has_value(); }
  std::uint64_t seed() const { return seed_.value_or(0); }
  void set_seed(std::uint64_t seed) { seed_ = seed; }

  // Restarts the layer's random stream at derive_seed(seed, epoch): fit calls it at every epoch,
  // so epoch e draws the same numbers whether or not epochs before it ran in this process.
  // A layer used outside fit draws from the epoch-0 stream until told otherwise.
  void start_epoch(std::uint64_t epoch) {
    epoch_ = epoch;
    rng_ = Generator(derive_seed(seed(), epoch));
  }

  // Whether backward must compute dL/dx. A model turns it off for the first layer with
  // parameters and those before it, where nobody reads dx; backward then returns an empty tensor.
  bool input_gradient() const { return input_gradient_; }
  void set_input_gradient(bool needed) { input_gradient_ = needed; }

 protected:
  // Implemented by each layer: validate the sample shape, create weights, return the output shape.
  virtual Shape build_impl(const Shape& sample_shape) = 0;

  // "Dense 'dense_1'" (or "Dense" before the layer has a name): how every message starts.
  std::string label() const;
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
  // The layer's random stream (see start_epoch).
  Generator& rng() { return rng_; }

 private:
  std::string name_;
  std::optional<std::uint64_t> seed_;
  Generator rng_;
  std::uint64_t epoch_ = 0;
  bool input_gradient_ = true;
  Shape input_shape_;
  Shape output_shape_;
  bool built_ = false;
};

}  // namespace minidl
