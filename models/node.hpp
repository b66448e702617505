// Node: a symbolic tensor of a Functional graph, as Keras' KerasTensor. It knows one sample's
// shape (no batch axis), the layer that makes it and that layer's input nodes.
//
//   minidl::Node x = minidl::Input({32, 32, 3});
//   minidl::Node h = minidl::Conv2D(16, 3, 1, "same")(x);   // built for (32,32,3) here: a shape
//   h = minidl::Add()({h, x});                               // mismatch throws where it is written
//   minidl::Model model({x}, {h});
//
// A temporary layer called on a node moves into the graph, which owns it. One layer at several
// places (shared weights, as a Keras layer object called twice) is a Shared<L>:
//
//   minidl::Shared<minidl::Dense> encoder(minidl::Dense(8));
//   minidl::Node a = encoder(left), b = encoder(right);     // one kernel, two calls
//   encoder->kernel();                                      // the layer itself
//
// Nodes are cheap handles: copies refer to the same graph node.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <minidl/core/shape.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

class Node;
// Calls a layer held by a shared pointer on nodes (what `Dense(10)(x)` and Shared<L> do): builds
// it for the inputs' shapes, or checks them for a layer built before, and returns the output node.
// The graph shares the layer's ownership.
Node call_layer(std::shared_ptr<Layer> layer, const std::vector<Node>& inputs);

class Node {
 public:
  Node() = default;

  // One sample's shape, e.g. (32,32,16).
  const Shape& shape() const;
  // The layer that computes this node; nullptr for an Input.
  Layer* layer() const;
  const std::shared_ptr<Layer>& shared_layer() const;
  const std::vector<Node>& inputs() const;
  bool is_input() const { return layer() == nullptr; }
  // An Input's name ("" until given or named by a model).
  const std::string& input_name() const;
  // "conv2d_1" for a layer's output, the name for an Input: what messages call this node.
  std::string description() const;

  bool empty() const { return !data_; }
  // Identity: two handles of the same node.
  const void* id() const { return data_.get(); }

 private:
  struct Data;
  // A model names its unnamed inputs.
  void set_input_name(std::string name);
  friend Node Input(const Shape&, std::string);
  friend Node call_layer(std::shared_ptr<Layer>, const std::vector<Node>&);
  friend class Model;
  std::shared_ptr<Data> data_;
};

// A graph input: one sample's shape, without the batch axis (Keras' Input(shape=...)).
Node Input(const Shape& sample_shape, std::string name = "");

// One layer object called at several places of a graph: every call shares its weights.
template <class L>
class Shared {
 public:
  explicit Shared(L layer) : layer_(std::make_shared<L>(std::move(layer))) {}
  Node operator()(const Node& x) const { return call_layer(layer_, {x}); }
  Node operator()(const std::vector<Node>& inputs) const { return call_layer(layer_, inputs); }
  L* operator->() const { return layer_.get(); }
  L& operator*() const { return *layer_; }
  const std::shared_ptr<L>& get() const { return layer_; }

 private:
  std::shared_ptr<L> layer_;
};

}  // namespace minidl
