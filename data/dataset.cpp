#include <minidl/data/dataset.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include <minidl/core/error.hpp>
#include <minidl/core/generator.hpp>
#include <minidl/data/label_mixing.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

struct Dataset::Source {
  ImageArray images;  // uint8 samples, or
  Tensor x;           // float samples
  Tensor y;
  std::vector<Tensor> other_x, other_y;  // a multi-input or multi-output model's other arrays
  bool uint8 = false;

  Index count() const { return y.dim(0); }
};

namespace {

Tensor labels_tensor(const std::vector<std::int32_t>& labels, Index images) {
  if (static_cast<Index>(labels.size()) != images) {
    throw Error("Dataset: " + std::to_string(images) + " images but " +
                std::to_string(labels.size()) + " labels");
  }
  Tensor y(Shape{images});
  for (Index i = 0; i < images; ++i) {
    if (labels[i] < 0) {
      throw Error("Dataset: label " + std::to_string(i) + " is " + std::to_string(labels[i]) +
                  ", expected a class id >= 0");
    }
    y[i] = static_cast<float>(labels[i]);
  }
  return y;
}

}  // namespace

Dataset::Dataset(std::shared_ptr<const Source> source)
    : source_(std::move(source)), end_(source_->count()) {}

Dataset::Dataset(ImageArray images, std::vector<std::int32_t> labels)
    : Dataset([&] {
        auto s = std::make_shared<Source>();
        s->y = labels_tensor(labels, images.count());
        s->images = std::move(images);
        s->uint8 = true;
        return s;
      }()) {}

Dataset::Dataset(LabeledImages data) : Dataset(std::move(data.images), std::move(data.labels)) {}

Dataset::Dataset(Tensor x, Tensor y)
    : Dataset([&] {
        if (x.rank() < 1 || y.rank() < 1 || x.dim(0) != y.dim(0)) {
          throw Error("Dataset: expected x (N,...) and y (N,...) with the same N, got x " +
                      x.shape().str() + " and y " + y.shape().str());
        }
        auto s = std::make_shared<Source>();
        s->x = std::move(x);
        s->y = std::move(y);
        return s;
      }()) {}

Dataset::Dataset(std::vector<Tensor> xs, std::vector<Tensor> ys)
    : Dataset([&] {
        if (xs.empty() || ys.empty()) {
          throw Error("Dataset: expected at least one input array and one target array, got " +
                      std::to_string(xs.size()) + " and " + std::to_string(ys.size()));
        }
        auto s = std::make_shared<Source>();
        for (std::size_t i = 0; i < xs.size() + ys.size(); ++i) {
          Tensor& t = i < xs.size() ? xs[i] : ys[i - xs.size()];
          if (t.rank() < 1 || t.dim(0) != xs[0].dim(0)) {
            throw Error("Dataset: every array must be (N,...) with the N of the first input " +
                        xs[0].shape().str() + ", got " +
                        (i < xs.size() ? "input " + std::to_string(i)
                                       : "target " + std::to_string(i - xs.size())) +
                        " " + t.shape().str());
          }
        }
        s->x = std::move(xs[0]);
        s->y = std::move(ys[0]);
        for (std::size_t i = 1; i < xs.size(); ++i) s->other_x.push_back(std::move(xs[i]));
        for (std::size_t i = 1; i < ys.size(); ++i) s->other_y.push_back(std::move(ys[i]));
        return s;
      }()) {}

Dataset Dataset::shuffle(std::uint64_t seed) const {
  Dataset d = *this;
  d.shuffle_seed_ = seed;
  return d;
}

Dataset Dataset::batch(Index size, bool drop_remainder) const {
  if (size < 1) throw Error("Dataset: batch size must be >= 1, got " + std::to_string(size));
  if (batched()) {
    throw Error("Dataset: batch(" + std::to_string(size) + ") on a dataset already batched by " +
                std::to_string(batch_size_));
  }
  Dataset d = *this;
  d.batch_size_ = size;
  d.drop_remainder_ = drop_remainder;
  return d;
}

std::pair<Index, Index> shard_range(Index count, int shard, int shards) {
  if (shards < 1 || shard < 0 || shard >= shards || count < 0) {
    throw Error("shard_range: shard " + std::to_string(shard) + " of " + std::to_string(shards) +
                " of a batch of " + std::to_string(count) + " is not a shard");
  }
  return {count * shard / shards, count * (shard + 1) / shards};
}

Dataset Dataset::shard_batches(int shard, int shards) const {
  if (shards < 1 || shard < 0 || shard >= shards) {
    throw Error("Dataset: shard_batches(" + std::to_string(shard) + ", " + std::to_string(shards) +
                ") needs 0 <= shard < shards");
  }
  if (!batched()) throw Error("Dataset: shard_batches shards batches: call batch() first");
  if (sharded()) throw Error("Dataset: shard_batches on a dataset already sharded");
  Dataset d = *this;
  d.shard_ = shard;
  d.shards_ = shards;
  return d;
}

Dataset Dataset::map(MapFn fn) const {
  if (!fn) throw Error("Dataset: map was given an empty function");
  Dataset d = *this;
  d.mappers_.push_back({std::move(fn), nullptr});
  return d;
}

Dataset Dataset::map(Layer& layer, bool training) const {
  Dataset d = *this;
  Layer* l = &layer;
  d.mappers_.push_back({[l, training](const Tensor& x) { return (*l)(x, training); }, l});
  return d;
}

Dataset Dataset::map(LabelMixing& mixing, bool training) const {
  Dataset d = *this;
  d.mixings_.emplace_back(&mixing, training);
  return d;
}

Dataset Dataset::take(Index n) const {
  if (n < 0) throw Error("Dataset: take(n) needs n >= 0, got " + std::to_string(n));
  Dataset d = *this;
  if (batched()) {
    d.take_batches_ = std::min(n, take_batches_.value_or(n));
  } else {
    d.end_ = begin_ + std::min(n, size());
  }
  return d;
}

Dataset Dataset::skip(Index n) const {
  if (n < 0) throw Error("Dataset: skip(n) needs n >= 0, got " + std::to_string(n));
  if (batched()) {
    throw Error("Dataset: skip(" + std::to_string(n) +
                ") counts samples and must come before batch()");
  }
  Dataset d = *this;
  d.begin_ = begin_ + std::min(n, size());
  return d;
}

Dataset Dataset::prefetch(Index batches) const {
  if (batches < 0) throw Error("Dataset: prefetch(k) needs k >= 0, got " + std::to_string(batches));
  Dataset d = *this;
  d.prefetch_ = batches;
  return d;
}

Index Dataset::steps() const {
  const Index b = batch_size();
  const Index all = drop_remainder_ ? size() / b : (size() + b - 1) / b;
  return std::min(all, take_batches_.value_or(all));
}

Shape Dataset::sample_shape() const {
  return source_->uint8 ? source_->images.sample_shape() : source_->x.shape().without_batch();
}

Batch Dataset::make_batch(const Index* indices, Index count, Index position,
                          Index global_size) const {
  Batch b{
      source_->uint8 ? source_->images.gather(indices, count) : source_->x.gather(indices, count),
      source_->y.gather(indices, count),
      {},
      {},
      position,
      global_size};
  for (const Tensor& x : source_->other_x) b.other_inputs.push_back(x.gather(indices, count));
  for (const Tensor& y : source_->other_y) b.other_targets.push_back(y.gather(indices, count));
  if (count == 0) return b;
  for (const Mapper& m : mappers_) {
    if (m.layer) m.layer->set_sample_position(position);
    b.x = m.fn(b.x);
  }
  for (const auto& [mixing, training] : mixings_) {
    mixing->set_sample_position(position);
    (*mixing)(b, training);
  }
  return b;
}

// The epoch's sample order and a cursor; with prefetch, a worker thread making batches ahead
// into a queue of at most `prefetch_` batches.
struct Dataset::Epoch::Impl {
  explicit Impl(Dataset p) : plan(std::move(p)) {}

  Dataset plan;
  std::vector<Index> order;
  Index steps = 0;
  Index consumed = 0;

  std::thread worker;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Batch> ready;
  std::exception_ptr error;
  bool stop = false;

  Batch make(Index step) const {
    const Index b = plan.batch_size(), begin = step * b;
    const Index global_size = std::min(b, Index(order.size()) - begin);
    const auto [first, last] = shard_range(global_size, plan.shard_, plan.shards_);
    return plan.make_batch(order.data() + begin + first, last - first, begin + first, global_size);
  }

  void produce() {
    for (Index step = 0; step < steps; ++step) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stop || Index(ready.size()) < plan.prefetch_; });
        if (stop) return;
      }
      try {
        Batch batch = make(step);
        std::lock_guard<std::mutex> lock(mutex);
        ready.push_back(std::move(batch));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        error = std::current_exception();
        changed.notify_all();
        return;
      }
      changed.notify_all();
    }
  }

  ~Impl() {
    if (!worker.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    changed.notify_all();
    worker.join();
  }
};

Dataset::Epoch Dataset::epoch(std::uint64_t epoch) const {
  auto impl = std::make_unique<Epoch::Impl>(*this);
  impl->order.resize(static_cast<std::size_t>(size()));
  std::iota(impl->order.begin(), impl->order.end(), begin_);
  if (shuffle_seed_) {
    Generator rng(derive_seed(*shuffle_seed_, epoch));
    rng.shuffle(impl->order.data(), size());
  }
  impl->steps = steps();
  for (const Mapper& m : mappers_) {
    if (m.layer) m.layer->start_epoch(epoch);
  }
  for (const auto& mixing : mixings_) mixing.first->start_epoch(epoch);
  if (prefetch_ > 0 && impl->steps > 0) {
    Epoch::Impl* raw = impl.get();
    raw->worker = std::thread([raw] { raw->produce(); });
  }
  return Epoch(std::move(impl));
}

Dataset::Epoch::Epoch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dataset::Epoch::Epoch(Epoch&&) noexcept = default;
Dataset::Epoch& Dataset::Epoch::operator=(Epoch&&) noexcept = default;
Dataset::Epoch::~Epoch() = default;

Index Dataset::Epoch::steps() const {
  return impl_->steps;
}

std::optional<Batch> Dataset::Epoch::next() {
  Impl& e = *impl_;
  if (e.consumed == e.steps) return std::nullopt;
  if (!e.worker.joinable()) return e.make(e.consumed++);
  std::unique_lock<std::mutex> lock(e.mutex);
  e.changed.wait(lock, [&] { return !e.ready.empty() || e.error; });
  if (e.ready.empty()) std::rethrow_exception(e.error);
  Batch batch = std::move(e.ready.front());
  e.ready.pop_front();
  ++e.consumed;
  lock.unlock();
  e.changed.notify_all();
  return batch;
}

}  // namespace minidl
