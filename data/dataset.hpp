// Dataset: samples and targets fed to fit/evaluate batch by batch, as a tf.data pipeline:
//
//   Dataset train = Dataset(load_cifar10(dir).train)   // uint8 images, int labels
//                       .shuffle(seed)                 // a new order every epoch
//                       .batch(64)                     // float32 batches (64,32,32,3), values
//                       0..255 .map(flip, /*training=*/true)  // augmentation in the pipeline
//                       .prefetch(2);                  // the next batches made on a thread
//   model.fit(train, test, options);
//
// One epoch is one pass: dataset.epoch(e) yields its batches, shuffled from (seed, e), so epoch
// e is the same in every run and in a resumed run. A Dataset is a cheap value: each call returns
// a new one sharing the samples. Images stay uint8 until a batch is made.
//
// The steps of an epoch run in a fixed order, whatever the order of the calls:
//   skip/take samples -> shuffle -> batch -> shard_batches -> gather + uint8 to float -> map...
//   -> take batches.
// take(n) counts samples when called before batch and batches when called after it; skip(n)
// counts samples and must come before batch. map functions see whole float batches (N,...).
#pragma once

#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <minidl/core/tensor.hpp>
#include <minidl/data/image_array.hpp>

namespace minidl {

class Layer;
class LabelMixing;

struct Batch {
  Tensor x;  // (n, sample...)
  Tensor y;  // (n, target...): class ids for image datasets
  // A model with several inputs or outputs: its second and later ones, in order.
  std::vector<Tensor> other_inputs, other_targets;
  // Where the batch lies in its epoch: the position of its first sample (what keys the random
  // draws of its samples, Layer::start_epoch), and the samples of the whole batch this one is
  // the shard of (its own count unless the dataset is sharded).
  Index position = 0;
  Index global_size = 0;
};

// The shard `shard` of `shards` of a batch of `count` samples: its offsets [first, last) in the
// batch. Contiguous, in shard order, sizes differing by at most one; a shard is empty only when
// count < shards.
std::pair<Index, Index> shard_range(Index count, int shard, int shards);

class Dataset {
 public:
  using MapFn = std::function<Tensor(const Tensor& batch)>;

  // Images kept as uint8, labels as class ids (>= 0), one per image.
  Dataset(ImageArray images, std::vector<std::int32_t> labels);
  explicit Dataset(LabeledImages data);
  // Float samples x (N,...) and targets y (N,...); share() a tensor to avoid a copy.
  Dataset(Tensor x, Tensor y);
  // One array per model input and per output, all (N,...): for models with several of either.
  // Batches carry the first input and target in x and y, the others in other_inputs and
  // other_targets; map functions see x.
  Dataset(std::vector<Tensor> xs, std::vector<Tensor> ys);

  // Reshuffles the samples every epoch, from derive_seed(seed, epoch).
  Dataset shuffle(std::uint64_t seed) const;
  // Batches of `size` samples; the last one is smaller unless drop_remainder.
  Dataset batch(Index size, bool drop_remainder = false) const;
  // Data-parallel training (Model::distribute): every batch becomes its shard `shard` of
  // `shards` (shard_range), with the batch's position and global size; the samples of a shard
  // alone are gathered and mapped. A shard with no samples (a last batch smaller than `shards`)
  // still comes as a batch with no rows, not mapped.
  Dataset shard_batches(int shard, int shards) const;
  bool sharded() const { return shards_ > 1; }
  // Applies fn to every batch's x, after the ones mapped before.
  Dataset map(MapFn fn) const;
  // Applies layer(x, training) to every batch's x, telling the layer the epoch (start_epoch) and
  // the batch's position in it, so that mapped augmentation draws as it would in a model. The layer
  // must outlive the dataset and, with prefetch, must not be used elsewhere while an epoch runs.
  Dataset map(Layer& layer, bool training) const;
  // Applies MixUp or CutMix (data/label_mixing.hpp) to whole batches, images and labels, after the
  // per-image maps; like map(layer), it tells `mixing` each epoch and batch position. `mixing` must
  // outlive the dataset.
  Dataset map(LabelMixing& mixing, bool training) const;
  Dataset take(Index n) const;
  Dataset skip(Index n) const;
  // Makes up to `batches` batches ahead on a background thread while the caller works.
  Dataset prefetch(Index batches) const;

  // Samples per epoch, before batching and take(batches).
  Index size() const { return end_ - begin_; }
  bool batched() const { return batch_size_ > 0; }
  // Samples per batch; 1 when not batched (each step yields a batch of one sample).
  Index batch_size() const { return batched() ? batch_size_ : 1; }
  // Batches per epoch.
  Index steps() const;
  // The shape of one sample as stored, before map, e.g. (32,32,3).
  Shape sample_shape() const;

  class Epoch;
  // The batches of epoch `epoch`, in order: `for (Batch& b : ds.epoch(e))` or `next()`.
  Epoch epoch(std::uint64_t epoch) const;

 private:
  struct Source;
  struct Mapper {
    MapFn fn;
    Layer* layer = nullptr;  // set when the mapper restarts a layer's stream each epoch
  };
  explicit Dataset(std::shared_ptr<const Source> source);
  Batch make_batch(const Index* indices, Index count, Index position, Index global_size) const;

  std::shared_ptr<const Source> source_;
  Index begin_ = 0, end_ = 0;  // the samples of the source in use
  std::optional<std::uint64_t> shuffle_seed_;
  Index batch_size_ = 0;  // 0: not batched
  bool drop_remainder_ = false;
  std::vector<Mapper> mappers_;
  std::vector<std::pair<LabelMixing*, bool>> mixings_;
  std::optional<Index> take_batches_;
  Index prefetch_ = 0;
  int shard_ = 0, shards_ = 1;
};

class Dataset::Epoch {
 public:
  Epoch(Epoch&&) noexcept;
  Epoch& operator=(Epoch&&) noexcept;
  // Stops and joins the prefetch thread, if any.
  ~Epoch();

  // The next batch, or nothing at the end of the epoch. An exception thrown while making a batch
  // (a map function, on the prefetch thread too) comes out here.
  std::optional<Batch> next();
  Index steps() const;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = Batch*;
    using reference = Batch&;
    explicit iterator(Epoch* epoch) : epoch_(epoch) { ++*this; }
    iterator() = default;
    Batch& operator*() { return *current_; }
    Batch* operator->() { return &*current_; }
    iterator& operator++() {
      current_ = epoch_->next();
      if (!current_) epoch_ = nullptr;
      return *this;
    }
    bool operator==(const iterator& other) const { return epoch_ == other.epoch_; }
    bool operator!=(const iterator& other) const { return epoch_ != other.epoch_; }

   private:
    Epoch* epoch_ = nullptr;
    std::optional<Batch> current_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  friend class Dataset;
  struct Impl;
  explicit Epoch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace minidl
