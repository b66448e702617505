// Model: the graph (its order, names and checks) and its execution, forward and backward.
#include <minidl/models/model.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <minidl/core/error.hpp>
#include <minidl/layers/batch_normalization.hpp>
#include <minidl/layers/conv2d.hpp>
#include <minidl/layers/max_pooling2d.hpp>
#include <minidl/layers/merge/add.hpp>

namespace minidl {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// out = a + b, elementwise, in one pass; out may be a or b.
void add_to(const Tensor& a, const Tensor& b, Tensor& out) {
  const float* x = a.data();
  const float* y = b.data();
  float* z = out.data();
  const Index n = a.size();
#pragma omp parallel for simd if (n > (Index(1) << 16))
  for (Index i = 0; i < n; ++i) z[i] = x[i] + y[i];
}

}  // namespace

std::string Model::unique_name(const std::string& base, std::set<std::string>& taken) {
  std::string name = base;
  for (int k = 1; taken.count(name); ++k) name = base + "_" + std::to_string(k);
  taken.insert(name);
  return name;
}

Model::Model(std::uint64_t seed, std::string name) : seed_(seed), name_(std::move(name)) {}

Model::Model(std::vector<Node> inputs, std::vector<Node> outputs, std::string name,
             std::uint64_t seed)
    : seed_(seed), name_(std::move(name)) {
  set_graph(std::move(inputs), std::move(outputs));
}

Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

std::string Model::label() const {
  return std::string(kind()) + " '" + name_ + "'";
}

void Model::set_graph(std::vector<Node> inputs, std::vector<Node> outputs) {
  if (inputs.empty()) throw Error(label() + ": a model needs at least one input");
  if (outputs.empty()) throw Error(label() + ": a model needs at least one output");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty() || !inputs[i].is_input()) {
      throw Error(label() + ": inputs[" + std::to_string(i) + "] is " + inputs[i].description() +
                  ", expected a node made by Input()");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (inputs[j].id() == inputs[i].id()) {
        throw Error(label() + ": inputs[" + std::to_string(j) + "] and inputs[" +
                    std::to_string(i) + "] are the same Input");
      }
    }
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].empty()) {
      throw Error(label() + ": outputs[" + std::to_string(i) + "] is an empty Node");
    }
  }
  inputs_ = std::move(inputs);
  outputs_ = std::move(outputs);
  order_steps();
  check_graph();
  name_graph();
  fuse_steps();
  fold_adds();
}

// Steps in depth-first post-order from the outputs: every layer after the nodes it reads, and a
// chain in its written order.
void Model::order_steps() {
  std::map<const void*, int> step_of;
  std::map<Layer*, int> calls;
  layers_.clear();
  std::vector<Step> steps;
  std::vector<const Node*> path;  // the readers above the node being visited, for messages
  std::function<int(const Node&)> visit = [&](const Node& node) -> int {
    auto found = step_of.find(node.id());
    if (found != step_of.end()) return found->second;
    Step step;
    if (node.is_input()) {
      auto it = std::find_if(inputs_.begin(), inputs_.end(),
                             [&](const Node& in) { return in.id() == node.id(); });
      if (it == inputs_.end()) {
        std::string chain;
        for (const Node* reader : path) chain += reader->layer()->label() + " <- ";
        throw Error(label() + ": an output depends on an Input of shape " +
                    node.shape().str_batched() + " that is not one of the model's " +
                    std::to_string(inputs_.size()) + " input(s), through " + chain +
                    "Input: a layer is called on a tensor of another graph");
      }
      step.input = static_cast<std::size_t>(it - inputs_.begin());
    } else {
      path.push_back(&node);
      for (const Node& source : node.inputs()) step.sources.push_back(visit(source));
      path.pop_back();
      step.layer = node.layer();
      // The distinct layers in order of their first call; the graph's nodes own them too.
      if (++calls[step.layer] == 1) layers_.push_back(node.shared_layer());
    }
    steps.push_back(std::move(step));
    step_of[node.id()] = static_cast<int>(steps.size()) - 1;
    return static_cast<int>(steps.size()) - 1;
  };
  output_steps_.clear();
  for (const Node& out : outputs_) output_steps_.push_back(visit(out));
  for (int o : output_steps_) steps[o].output = true;
  for (Step& s : steps) {
    for (int source : s.sources) ++steps[source].readers;
  }
  for (Step& s : steps) {
    s.shared = s.layer && calls[s.layer] > 1;
    bool trainable = false;
    if (s.layer) {
      for (Parameter* p : s.layer->parameters()) trainable = trainable || p->trainable;
    }
    s.needs_gradient = trainable;
    for (int source : s.sources)
      s.needs_gradient = s.needs_gradient || steps[source].needs_gradient;
  }
  steps_ = std::move(steps);
}

// Folds a step into the one before it where the results allow: a plain ReLU into a layer that
// applies it in its own pass, (in inference) a BatchNormalization into a Conv2D's weights, and (in
// training) a BatchNormalization's input gradient into the Conv2D's backward.
void Model::fuse_steps() {
  // s's only source, when that is an unshared layer step read by s alone and not an output.
  auto private_source = [&](const Step& s) -> Step* {
    if (!s.layer || s.shared || s.sources.size() != 1) return nullptr;
    Step& source = steps_[s.sources[0]];
    if (!source.layer || source.shared || source.readers != 1 || source.output) {
      return nullptr;
    }
    return &source;
  };
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    Step& s = steps_[i];
    Step* source = private_source(s);
    if (!source) continue;
    if (s.layer->is_plain_relu() && source->layer->fuses_relu()) {
      source->applies_relu = true;
      s.folded = true;
    }
    if (source->layer->takes_normalization_gradient() &&
        dynamic_cast<BatchNormalization*>(s.layer)) {
      s.maps_gradient = true;
    }
    auto* conv = dynamic_cast<Conv2D*>(source->layer);
    auto* pool = dynamic_cast<MaxPooling2D*>(s.layer);
    if (conv && pool && !source->applies_relu && conv->pools_into(*pool)) {
      source->pools = static_cast<int>(i);
      s.pooled_by_source = true;
    }
    std::vector<float> scale, shift;
    if (source->layer->folds_affine() && s.layer->inference_affine(&scale, &shift)) {
      source->affine = static_cast<int>(i);
      s.affine_folded = true;
    }
  }
}

// An Add reading a BatchNormalization read by nothing else. In inference, when that is folded
// into a Conv2D and the Add's other operand is computed before the Conv2D, the Conv2D does the
// Add too, with its ReLU. In training, the Add does the BatchNormalization's output pass
// (Add::forward_normalized). Either saves a pass over memory.
void Model::fold_adds() {
  for (Step& add : steps_) {
    if (!dynamic_cast<Add*>(add.layer) || add.shared || add.sources.size() != 2) continue;
    for (std::size_t j = 0; j < 2; ++j) {
      const int folded = add.sources[j], other = add.sources[1 - j];
      Step& bn = steps_[folded];
      if (!dynamic_cast<BatchNormalization*>(bn.layer) || bn.shared || bn.applies_relu ||
          bn.readers != 1 || bn.output) {
        continue;
      }
      if (add.normalized_source < 0) {
        bn.output_by_reader = true;
        add.normalized_source = static_cast<int>(j);
      }
      // Inference: only where the other operand is ready when the Conv2D runs.
      if (add.sum_from < 0 && bn.affine_folded && other < bn.sources[0]) {
        Step& conv = steps_[bn.sources[0]];
        conv.residual = other;
        conv.residual_relu = add.applies_relu;
        add.sum_from = folded;
      }
    }
  }
}

void Model::check_graph() const {
  std::vector<bool> used(inputs_.size(), false);
  for (const Step& s : steps_) {
    if (!s.layer) used[s.input] = true;
  }
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (!used[i]) {
      const std::string& name = inputs_[i].input_name();
      throw Error(label() + ": input " + std::to_string(i) +
                  (name.empty() ? "" : " '" + name + "'") + " of shape " +
                  inputs_[i].shape().str_batched() +
                  " is not used by any output: no output depends on it");
    }
  }
}

void Model::name_graph() {
  std::set<std::string> taken;
  for (const auto& l : layers_) {
    if (l->name().empty()) continue;
    if (!taken.insert(l->name()).second) {
      throw Error(label() + ": two different layers are named '" + l->name() + "'");
    }
  }
  for (auto& l : layers_) {
    if (l->name().empty()) l->set_name(unique_name(default_layer_name(l->type()), taken));
  }
  for (Node& in : inputs_) {
    if (in.input_name().empty()) {
      in.set_input_name(unique_name("input_layer", taken));
    } else if (!taken.insert(in.input_name()).second) {
      throw Error(label() + ": the name '" + in.input_name() + "' is used twice");
    }
  }
  // Layers built when they were called drew their weights with seed 0; a layer without its own
  // seed draws them again from the model's.
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = *layers_[i];
    if (l.has_seed()) continue;
    l.set_seed(derive_seed(seed_, i));
    l.reset_weights();
  }
}

std::string Model::output_name(std::size_t index) const {
  if (index >= outputs_.size()) {
    throw Error(label() + ": no output " + std::to_string(index) + ", it has " +
                std::to_string(outputs_.size()));
  }
  const Node& out = outputs_[index];
  return out.is_input() ? out.input_name() : out.layer()->name();
}

void Model::build_for(const std::vector<Tensor>& /*xs*/) {
  throw Error(label() + ": the model has no graph");
}

std::vector<Tensor> Model::forward(const std::vector<Tensor>& xs, bool training) {
  if (!built()) build_for(xs);
  if (xs.size() != inputs_.size()) {
    throw Error(label() + ": expected " + std::to_string(inputs_.size()) + " input array(s), got " +
                std::to_string(xs.size()));
  }
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const Shape& sample = inputs_[k].shape();
    if (xs[k].rank() != sample.rank() + 1 || xs[k].shape().without_batch() != sample ||
        xs[k].dim(0) != xs[0].dim(0)) {
      throw Error(label() + ": input '" + inputs_[k].input_name() + "'" + first_reader(k) +
                  " expects " + sample.str_batched("N") + ", got " + xs[k].shape().str() +
                  (xs.size() > 1 ? " (every input needs the same N)" : ""));
    }
  }
  return run_forward(xs, training);
}

// " (read by Dense 'dense')": the first layer reading model input k, for messages.
std::string Model::first_reader(std::size_t k) const {
  for (const Step& s : steps_) {
    for (int source : s.sources) {
      if (!steps_[source].layer && steps_[source].input == k) {
        return " (read by " + s.layer->label() + ")";
      }
    }
  }
  return "";
}

std::vector<Tensor> Model::run_forward(const std::vector<Tensor>& xs, bool training) {
  std::vector<Tensor> values(steps_.size());
  std::vector<int> pending(steps_.size());
  for (std::size_t i = 0; i < steps_.size(); ++i) pending[i] = steps_[i].readers;
  // Training: BatchNormalization steps whose output pass their Add does (Step::output_by_reader).
  std::vector<std::optional<NormalizationMap>> normalizations(steps_.size());
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    Step& s = steps_[i];
    if (!s.layer) {
      values[i] = xs[s.input].share();
      continue;
    }
    if (s.folded || (s.affine_folded && !training)) {
      values[i] = std::move(values[s.sources[0]]);
      continue;
    }
    if (s.pooled_by_source) {
      // values[i] came from the Conv2D it reads, whose own output was never made.
    } else if (s.pools >= 0) {
      const auto start = Clock::now();
      values[s.pools] = static_cast<Conv2D*>(s.layer)->forward_pooled(
          values[s.sources[0]], *static_cast<MaxPooling2D*>(steps_[s.pools].layer), training);
      if (observer_) observer_(*s.layer, false, milliseconds_since(start));
    } else if (s.sum_from >= 0 && !training) {
      values[i] = std::move(values[s.sum_from]);
    } else {
      std::vector<Tensor> args;
      for (int source : s.sources) args.push_back(values[source].share());
      const auto start = Clock::now();
      if (s.affine >= 0 && !training) {
        const Step& bn = steps_[s.affine];
        std::vector<float> scale, shift;
        bn.layer->inference_affine(&scale, &shift);
        const Tensor* residual = s.residual >= 0 ? &values[s.residual] : nullptr;
        values[i] = s.layer->forward_affine(args, scale, shift, residual,
                                            bn.applies_relu || s.residual_relu);
      } else if (training && s.output_by_reader) {
        normalizations[i] = static_cast<BatchNormalization*>(s.layer)->forward_statistics(args[0]);
        values[i] = std::move(args[0]);
      } else if (training && s.normalized_source >= 0) {
        const auto j = static_cast<std::size_t>(s.normalized_source);
        values[i] = static_cast<Add*>(s.layer)->forward_normalized(
            args, j, *normalizations[s.sources[j]], s.applies_relu);
      } else if (s.applies_relu) {
        values[i] = s.layer->forward_relu(args, training);
      } else {
        values[i] = s.layer->forward_inputs(args, training);
      }
      if (observer_) observer_(*s.layer, false, milliseconds_since(start));
    }
    if (training && s.shared) {
      auto cache = s.layer->backward_cache();
      if (!cache) {
        throw Error(label() + ": " + s.layer->label() +
                    " is called at several places of the graph, and training needs one backward "
                    "cache per call, which this layer type cannot keep; use one layer per place "
                    "(it has no weights to share)");
      }
      s.cache.clear();
      for (Tensor* t : *cache) s.cache.push_back(std::move(*t));
    }
    // The graph's reference goes after the last reader; a layer keeps what its backward needs.
    for (int source : s.sources) {
      if (--pending[source] == 0 && !steps_[source].output) values[source] = Tensor();
    }
  }
  std::vector<Tensor> outs;
  for (int o : output_steps_) outs.push_back(values[o].share());
  return outs;
}

void Model::backward(const std::vector<Tensor>& dys) {
  check_built("backward");
  if (dys.size() != output_steps_.size()) {
    throw Error(label() + ": backward expected " + std::to_string(output_steps_.size()) +
                " gradient(s), one per output, got " + std::to_string(dys.size()));
  }
  run_backward(dys);
}

void Model::run_backward(const std::vector<Tensor>& dys) {
  std::vector<Tensor> grads(steps_.size());
  // A gradient received from one reader may share that reader's buffer (Add passes dy on as it
  // is), so the sum is written only into a buffer no one else reads: the incoming gradient's
  // when it is its own, else a new one, which later contributions then update. One pass each;
  // float addition commutes, so the result does not depend on which buffer is written.
  std::vector<bool> owned(steps_.size(), false);
  auto accumulate = [&](int step, Tensor g) {
    Tensor& sum = grads[step];
    if (sum.empty()) {
      sum = std::move(g);
    } else if (owned[step] || sum.owns_buffer_alone()) {
      add_to(sum, g, sum);
      owned[step] = true;
    } else if (g.owns_buffer_alone()) {
      add_to(g, sum, g);
      sum = std::move(g);
      owned[step] = true;
    } else {
      Tensor fresh(sum.shape());
      add_to(sum, g, fresh);
      sum = std::move(fresh);
      owned[step] = true;
    }
  };
  for (std::size_t k = 0; k < dys.size(); ++k) {
    if (steps_[output_steps_[k]].needs_gradient) accumulate(output_steps_[k], dys[k].share());
  }
  // Input gradients of BatchNormalization steps left to the step they read (Step::maps_gradient).
  std::vector<std::optional<NormalizationGradient>> maps(steps_.size());
  for (std::size_t i = steps_.size(); i-- > 0;) {
    Step& s = steps_[i];
    if (!s.layer || !s.needs_gradient || (grads[i].empty() && !maps[i])) continue;
    // A folded ReLU: the step it reads applies it and its derivative. A pooling done by the
    // Conv2D it reads: that Conv2D's backward takes the pooling's output gradient.
    if (s.folded || s.pooled_by_source) {
      accumulate(s.sources[0], std::move(grads[i]));
      continue;
    }
    bool need_dx = false;
    for (int source : s.sources) need_dx = need_dx || steps_[source].needs_gradient;
    s.layer->set_input_gradient(need_dx);
    if (s.shared) {
      auto cache = s.layer->backward_cache();
      for (std::size_t j = 0; j < cache->size(); ++j) *(*cache)[j] = std::move(s.cache[j]);
      s.cache.clear();
    }
    const auto start = Clock::now();
    std::vector<Tensor> dxs;
    if (s.maps_gradient && need_dx) {
      maps[s.sources[0]] = static_cast<BatchNormalization*>(s.layer)->backward_map(grads[i]);
    } else if (maps[i]) {
      dxs = s.layer->backward_normalized(*maps[i]);
      maps[i].reset();
    } else if (s.pools >= 0) {
      dxs.push_back(static_cast<Conv2D*>(s.layer)->backward_pooled(
          grads[i], *static_cast<MaxPooling2D*>(steps_[s.pools].layer)));
    } else {
      dxs = s.layer->backward_inputs(grads[i]);
    }
    if (observer_) observer_(*s.layer, true, milliseconds_since(start));
    grads[i] = Tensor();
    if (!need_dx || s.maps_gradient) continue;
    for (std::size_t j = 0; j < s.sources.size(); ++j) {
      if (steps_[s.sources[j]].needs_gradient) accumulate(s.sources[j], std::move(dxs.at(j)));
    }
  }
}

Tensor Model::forward(const Tensor& x, bool training) {
  std::vector<Tensor> xs;
  xs.push_back(x.share());
  if (built() && outputs_.size() != 1) {
    throw Error(label() + ": forward(x) is for one output, the model has " +
                std::to_string(outputs_.size()) + "; pass a vector of inputs");
  }
  return std::move(forward(xs, training).at(0));
}

void Model::backward(const Tensor& dy) {
  std::vector<Tensor> dys;
  dys.push_back(dy.share());
  backward(dys);
}

std::vector<Parameter*> Model::parameters(bool trainable_only) {
  std::vector<Parameter*> all;
  for (auto& l : layers_) {
    for (Parameter* p : l->parameters()) {
      if (p->trainable || !trainable_only) all.push_back(p);
    }
  }
  return all;
}

Layer& Model::layer(std::size_t index) {
  if (index >= layers_.size()) {
    throw Error(label() + ": no layer " + std::to_string(index) + ", it has " +
                std::to_string(layers_.size()));
  }
  return *layers_[index];
}

void Model::set_dtype_policy(const std::string& name) {
  const DtypePolicy policy = parse_dtype_policy(name);
  for (auto& layer : layers_) layer->set_dtype_policy(policy);
}

Layer& Model::layer(const std::string& name) {
  for (auto& l : layers_) {
    if (l->name() == name) return *l;
  }
  throw Error(label() + ": no layer named '" + name + "'");
}

void Model::check_built(const char* caller) const {
  if (!built()) {
    throw Error(label() + ": " + caller + " needs a built model; call build(input_shape) first");
  }
}

}  // namespace minidl
