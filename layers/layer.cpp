#include <minidl/layers/layer.hpp>

#include <cctype>

#include <minidl/core/error.hpp>
#include <minidl/models/node.hpp>

namespace minidl {

std::string default_layer_name(const std::string& type) {
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

Shape Layer::build(const Shape& sample_shape) {
  if (built_) {
    if (sample_shape != input_shape_) {
      throw Error(label() + ": already built for input " + input_shape_.str_batched() + ", got " +
                  sample_shape.str_batched());
    }
    return output_shape_;
  }
  output_shape_ = build_impl(sample_shape);
  input_shape_ = sample_shape;
  built_ = true;
  return output_shape_;
}

Tensor Layer::operator()(const Tensor& x, bool training) {
  if (!built_) {
    if (x.rank() < 1) throw Error(label() + ": expected a batch, got a rank-0 tensor");
    build(x.shape().without_batch());
  }
  return forward(x, training);
}

void Layer::reset_weights() {
  if (!built_ || parameters().empty()) return;
  built_ = false;
  build(input_shape_);
}

Node Layer::operator()(const Node& x) && {
  return call_layer(std::move(*this).into_shared(), {x});
}

Node Layer::operator()(const std::vector<Node>& inputs) && {
  return call_layer(std::move(*this).into_shared(), inputs);
}

std::shared_ptr<Layer> Layer::into_shared() && {
  throw Error(label() +
              ": this layer type does not implement into_shared(), so it cannot be "
              "called as a temporary on a Node; make it with minidl::Shared<" +
              type() + ">(...) and call that");
}

Shape Layer::build_inputs(const std::vector<Shape>& sample_shapes) {
  if (sample_shapes.size() != 1) {
    throw Error(label() + ": takes one input, got " + std::to_string(sample_shapes.size()));
  }
  return build(sample_shapes[0]);
}

Tensor Layer::forward_inputs(const std::vector<Tensor>& xs, bool training) {
  if (xs.size() != 1) {
    throw Error(label() + ": takes one input, got " + std::to_string(xs.size()));
  }
  return forward(xs[0], training);
}

std::vector<Tensor> Layer::backward_inputs(const Tensor& dy) {
  std::vector<Tensor> dxs;
  dxs.push_back(backward(dy));
  return dxs;
}

Tensor Layer::forward_relu(const std::vector<Tensor>& /*xs*/, bool /*training*/) {
  throw Error(label() + ": cannot fuse a following ReLU");
}

Tensor Layer::forward_affine(const std::vector<Tensor>& /*xs*/, const std::vector<float>& /*scale*/,
                             const std::vector<float>& /*shift*/, const Tensor* /*residual*/,
                             bool /*relu*/) {
  throw Error(label() + ": cannot fold a following per-channel scale and shift");
}

std::vector<Tensor> Layer::backward_normalized(const NormalizationGradient& /*map*/) {
  throw Error(label() + ": cannot apply a following BatchNormalization's input gradient");
}

Index Layer::count_params() {
  Index n = 0;
  for (Parameter* p : parameters()) n += p->value.size();
  return n;
}

void Layer::check_image_sample(const Shape& s) const {
  if (s.rank() != 3) {
    throw Error(label() + ": expected rank-4 input (N,H,W,C), got " + s.str_batched());
  }
}

std::string Layer::label() const {
  return name_.empty() ? type() : type() + " '" + name_ + "'";
}

void Layer::check_input(const Tensor& x) const {
  if (!built_) throw Error(label() + ": forward called before build");
  if (x.rank() != input_shape_.rank() + 1 || x.shape().without_batch() != input_shape_) {
    throw Error(label() + ": expected rank-" + std::to_string(input_shape_.rank() + 1) + " input " +
                input_shape_.str_batched("N") + ", got " + x.shape().str());
  }
}

void Layer::check_gradient_shape(const Tensor& dy) const {
  if (dy.rank() == 0 || dy.shape() != output_shape_.with_batch(dy.dim(0))) {
    throw Error(label() + ": expected gradient of shape " + output_shape_.str_batched("N") +
                ", got " + dy.shape().str());
  }
}

void Layer::check_backward(Index cached_batch, const Tensor& dy) const {
  if (cached_batch < 0) {
    throw Error(label() + ": backward called without a forward with training=true before it");
  }
  check_gradient_shape(dy);
  if (dy.dim(0) != cached_batch) {
    throw Error(label() + ": gradient " + dy.shape().str() + " is for a batch of " +
                std::to_string(dy.dim(0)) + ", the last training forward had " +
                std::to_string(cached_batch));
  }
}

Json Layer::get_config() const {
  throw Error(label() + ": get_config is not implemented; a user layer overrides get_config() " +
              "and registers a factory with register_layer to be saved in a model file");
}

}  // namespace minidl
