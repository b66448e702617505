// Model: data-parallel training over a Communicator (distribute, and what fit does with it).
#include <chrono>
#include <cstring>

#include <minidl/core/error.hpp>
#include <minidl/models/model.hpp>

namespace minidl {
namespace {

// FNV-1a: the same value for the same text in every process and build.
std::uint64_t fingerprint(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace

void Model::distribute(std::shared_ptr<Communicator> communicator, DistributeOptions options) {
  if (!communicator) throw Error(label() + ": distribute was given no communicator");
  communicator_ = std::move(communicator);
  distribute_options_ = options;
}

// Gives the layers the communicator when they synchronise (layers added to a Sequential after
// distribute included).
void Model::attach_layers() {
  // One rank has the whole batch: its statistics are already the global ones.
  Communicator* sync =
      distribute_options_.sync_batch_norm && distributed() ? communicator_.get() : nullptr;
  for (auto& layer : layers_) layer->synchronize_over(sync);
}

Dataset Model::shard_of(const Dataset& data) const {
  return distributed() && data.batched() && !data.sharded() ? data.shard_batches(rank(), ranks())
                                                            : data;
}

// Every rank must hold the same model, and starts from rank 0's weights and optimizer state. A
// Sequential not built yet is built for the dataset's samples first.
void Model::synchronize_state(const Dataset& train) {
  if (!built()) {
    std::vector<Tensor> sample;
    sample.emplace_back(train.sample_shape().with_batch(1));
    build_for(sample);
  }
  attach_layers();
  std::string structure;
  for (const auto& [name, p] : named_parameters(false)) {
    structure += name + p->value.shape().str() + ";";
  }
  const std::uint64_t mine = fingerprint(structure);
  std::uint64_t rank0 = mine;
  communicator_->broadcast(&rank0, sizeof rank0, 0);
  if (communicator_->any(mine != rank0)) {
    throw Error(label() +
                ": the ranks' models differ in their layers or weight shapes; every rank must "
                "build the same model");
  }
  const std::string source = "rank 0's weights and optimizer state";
  std::vector<std::uint8_t> bytes;
  if (rank() == 0) bytes = encode_weights(weight_entries(/*include_optimizer=*/true), source);
  communicator_->broadcast(bytes, 0);
  if (rank() != 0) load_weight_entries(decode_weights(bytes, source), source);
}

// Sums every gradient over the ranks with one all-reduce of a packed buffer: one message of the
// model's size rather than one per tensor, where latency would dominate.
void Model::reduce_gradients(const std::vector<Parameter*>& params) {
  std::size_t total = 0;
  for (const Parameter* p : params) total += static_cast<std::size_t>(p->grad.size());
  gradient_buffer_.resize(total);
  float* at = gradient_buffer_.data();
  for (const Parameter* p : params) {
    std::memcpy(at, p->grad.data(), sizeof(float) * std::size_t(p->grad.size()));
    at += p->grad.size();
  }
  const auto start = std::chrono::steady_clock::now();
  communicator_->allreduce_sum(gradient_buffer_.data(), total);
  allreduce_ms_ +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  at = gradient_buffer_.data();
  for (Parameter* p : params) {
    std::memcpy(p->grad.data(), at, sizeof(float) * std::size_t(p->grad.size()));
    at += p->grad.size();
  }
}

void Model::reduce_sums(Sums& sums) {
  const std::size_t outputs = sums.loss.size();
  std::vector<double> packed(sums.loss);
  for (Index c : sums.correct) packed.push_back(static_cast<double>(c));
  packed.push_back(static_cast<double>(sums.samples));
  communicator_->allreduce_sum(packed.data(), packed.size());
  for (std::size_t k = 0; k < outputs; ++k) {
    sums.loss[k] = packed[k];
    sums.correct[k] = static_cast<Index>(packed[outputs + k]);
  }
  sums.samples = static_cast<Index>(packed.back());
}

// A rank with no samples in this step: the layers that communicate in forward and backward
// (synchronised BatchNormalization) take part as the steps with samples call them.
void Model::idle_step() {
  for (Step& s : steps_) {
    if (s.layer && !s.folded) s.layer->join_collectives(/*backward=*/false);
  }
  for (std::size_t i = steps_.size(); i-- > 0;) {
    Step& s = steps_[i];
    if (!s.layer || !s.needs_gradient || s.folded) continue;
    bool need_dx = false;
    for (int source : s.sources) need_dx = need_dx || steps_[source].needs_gradient;
    s.layer->set_input_gradient(need_dx);
    s.layer->join_collectives(/*backward=*/true);
  }
}

}  // namespace minidl
