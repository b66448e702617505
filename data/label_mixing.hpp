// Label mixing: MixUp and CutMix blend images and their labels together, so they run where the
// labels are, on whole batches of a Dataset: dataset.map(mixing, training), after the per-image
// maps. Like every augmentation they mix only when `training` is true; otherwise (and always)
// they turn class ids (N) into one-hot rows (N, num_classes), so that one loss,
// CategoricalCrossentropy, takes training and validation batches alike:
//
//   minidl::MixUp mix(/*alpha=*/0.2f, /*num_classes=*/10, /*seed=*/1);
//   Dataset train = data.shuffle(1).batch(64).map(mix, /*training=*/true);
//   Dataset validation = held_out.batch(256).map(mix, /*training=*/false);
//   model.compile(Adam(1e-3f), CategoricalCrossentropy(/*from_logits=*/true), {"accuracy"});
//
// Each image i is paired with image partner(i) of its batch, a random permutation drawn per batch;
// its own mixing weight lambda_i ~ Beta(alpha, alpha) per image (Keras 3 also draws lambda per
// image; torchvision once per batch). Draws are keyed by (seed, epoch, position in the epoch), as
// the layers' (Layer::start_epoch). In data-parallel training each process pairs images within its
// own shard of the batch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <minidl/core/generator.hpp>
#include <minidl/core/tensor.hpp>

namespace minidl {

struct Batch;

class LabelMixing {
 public:
  virtual ~LabelMixing() = default;
  virtual std::string type() const = 0;

  void operator()(Batch& batch, bool training);
  // As Layer::start_epoch and set_sample_position; Dataset::map calls them.
  void start_epoch(std::uint64_t epoch);
  void set_sample_position(Index position);

  // The partner and weight of each image of the last training call.
  const std::vector<Index>& last_partners() const { return partners_; }
  const std::vector<float>& last_weights() const { return weights_; }

 protected:
  LabelMixing(const char* type, float alpha, Index num_classes, std::optional<std::uint64_t> seed);
  // Mixes image i of x with its partner's in place of x (a copy of the batch: partners are read
  // from `original`) and sets weights_[i] to the share of the image's own label.
  virtual void mix_images(const Tensor& original, Tensor& x, Index i, Generator& rng) = 0;

  float alpha_;
  std::vector<float> weights_;

 private:
  Tensor one_hot(const Tensor& y) const;

  Index num_classes_;
  std::uint64_t seed_;
  std::uint64_t epoch_ = 0, calls_ = 0;
  Index position_ = 0;
  std::vector<Index> partners_;
};

// MixUp(alpha = 0.2, num_classes): x_i' = lambda_i x_i + (1 - lambda_i) x_partner, and the labels
// likewise (Zhang et al. 2018). As Keras 3, whose labels must already be one-hot.
class MixUp : public LabelMixing {
 public:
  explicit MixUp(float alpha = 0.2f, Index num_classes = 0,
                 std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "MixUp"; }

 protected:
  void mix_images(const Tensor& original, Tensor& x, Index i, Generator& rng) override;
};

// CutMix(alpha = 1.0, num_classes): pastes into image i a rectangle of its partner, of area
// (1 - lambda_i) of the image (sides r W and r H, r = sqrt(1 - lambda_i)), centred at a uniform
// point and clipped to the image; the labels are mixed by the area actually pasted (Yun et al.
// 2019, as torchvision). Departure from Keras 3: Keras' `factor` draws alpha itself from
// U[0, factor] once per batch and keeps the rectangle inside the image; minidl takes the paper's
// alpha. The rectangle of each image of the last call: last_boxes().
class CutMix : public LabelMixing {
 public:
  explicit CutMix(float alpha = 1.0f, Index num_classes = 0,
                  std::optional<std::uint64_t> seed = std::nullopt);
  std::string type() const override { return "CutMix"; }
  // Rows top..bottom, columns left..right (exclusive ends) of each image's pasted rectangle.
  struct Box {
    Index top, left, bottom, right;
  };
  const std::vector<Box>& last_boxes() const { return boxes_; }

 protected:
  void mix_images(const Tensor& original, Tensor& x, Index i, Generator& rng) override;

 private:
  std::vector<Box> boxes_;
};

}  // namespace minidl
