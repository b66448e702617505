#include <minidl/models/sequential.hpp>

#include <set>

#include <minidl/core/error.hpp>

namespace minidl {
Sequential::Sequential(std::uint64_t seed, std::string name) : Model(seed, std::move(name)) {}

Layer& Sequential::add(std::unique_ptr<Layer> layer) {
  return add_shared(std::shared_ptr<Layer>(std::move(layer)));
}

Layer& Sequential::add_shared(std::shared_ptr<Layer> layer) {
  if (!layer) throw Error(label() + ": add was given no layer");
  if (built()) {
    throw Error(label() + ": cannot add " + layer->type() + " after the model was built");
  }
  if (layer->name().empty()) {
    std::set<std::string> taken;
    for (const auto& l : layers_) taken.insert(l->name());
    layer->set_name(unique_name(default_layer_name(layer->type()), taken));
  }
  for (const auto& l : layers_) {
    if (l->name() == layer->name()) {
      throw Error(label() + ": a layer named '" + layer->name() + "' is already in the model");
    }
  }
  layers_.push_back(std::move(layer));
  return *layers_.back();
}

void Sequential::build(const Shape& sample_shape) {
  if (built()) return;
  if (layers_.empty()) throw Error(label() + ": build called on a model with no layers");
  // Seeds first: each layer draws its weights when it is called on the chain.
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]->has_seed()) layers_[i]->set_seed(derive_seed(seed(), i));
  }
  const Node input = Input(sample_shape);
  Node h = input;
  for (const auto& l : layers_) h = call_layer(l, {h});
  set_graph({input}, {h});
}

void Sequential::build_for(const std::vector<Tensor>& xs) {
  if (layers_.empty()) throw Error(label() + ": the model has no layers");
  if (xs.size() != 1 || xs[0].rank() < 1) {
    throw Error(label() + ": expected one batch (N,...), got " + std::to_string(xs.size()) +
                " array(s)");
  }
  build(xs[0].shape().without_batch());
}

}  // namespace minidl
