#include <minidl/models/node.hpp>

#include <minidl/core/error.hpp>

namespace minidl {

struct Node::Data {
  std::shared_ptr<Layer> layer;  // null for an Input
  std::vector<Node> inputs;
  Shape shape;
  std::string input_name;
};

namespace {
const std::shared_ptr<Layer> kNoLayer;
}  // namespace

const Shape& Node::shape() const {
  if (!data_) throw Error("Node: shape() of an empty node");
  return data_->shape;
}

Layer* Node::layer() const {
  return data_ ? data_->layer.get() : nullptr;
}

const std::shared_ptr<Layer>& Node::shared_layer() const {
  return data_ ? data_->layer : kNoLayer;
}

const std::vector<Node>& Node::inputs() const {
  static const std::vector<Node> none;
  return data_ ? data_->inputs : none;
}

const std::string& Node::input_name() const {
  static const std::string none;
  return data_ ? data_->input_name : none;
}

void Node::set_input_name(std::string name) {
  data_->input_name = std::move(name);
}

std::string Node::description() const {
  if (!data_) return "an empty node";
  if (is_input()) return "input '" + (data_->input_name.empty() ? "?" : data_->input_name) + "'";
  return "the output of " + data_->layer->label();
}

Node Input(const Shape& sample_shape, std::string name) {
  if (sample_shape.rank() < 1) {
    throw Error("Input: expected one sample's shape without the batch axis, e.g. (32,32,3), got " +
                sample_shape.str());
  }
  for (int i = 0; i < sample_shape.rank(); ++i) {
    if (sample_shape[i] < 1) {
      throw Error("Input: every dimension must be >= 1, got " + sample_shape.str());
    }
  }
  Node node;
  node.data_ = std::make_shared<Node::Data>(Node::Data{nullptr, {}, sample_shape, std::move(name)});
  return node;
}

Node call_layer(std::shared_ptr<Layer> layer, const std::vector<Node>& inputs) {
  if (!layer) throw Error("Functional graph: a layer call was given no layer");
  if (inputs.empty()) throw Error(layer->label() + ": called on no inputs");
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty()) {
      throw Error(layer->label() + ": input " + std::to_string(i) + " is an empty Node");
    }
    shapes.push_back(inputs[i].shape());
  }
  Shape shape = layer->build_inputs(shapes);
  Node node;
  node.data_ =
      std::make_shared<Node::Data>(Node::Data{std::move(layer), inputs, std::move(shape), ""});
  return node;
}

}  // namespace minidl
