#include <minidl/data/label_mixing.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/data/dataset.hpp>

namespace minidl {

LabelMixing::LabelMixing(const char* type, float alpha, Index num_classes,
                         std::optional<std::uint64_t> seed)
    : alpha_(alpha), num_classes_(num_classes), seed_(seed.value_or(0)) {
  if (!(alpha > 0.0f)) throw Error(fmt::format("{}: alpha must be > 0, got {}", type, alpha));
  if (num_classes < 0) {
    throw Error(fmt::format("{}: num_classes must be >= 0, got {}", type, num_classes));
  }
}

void LabelMixing::start_epoch(std::uint64_t epoch) {
  epoch_ = epoch;
  set_sample_position(0);
}

void LabelMixing::set_sample_position(Index position) {
  position_ = position;
  calls_ = 0;
}

Tensor LabelMixing::one_hot(const Tensor& y) const {
  const Index n = y.dim(0);
  if (y.rank() == 2 && y.dim(1) > 1) return y.clone();  // already one row per sample
  if (num_classes_ == 0) {
    throw Error(type() + ": labels " + y.shape().str() +
                " are class ids; give num_classes to turn them into one-hot rows");
  }
  Tensor rows = Tensor::zeros(Shape{n, num_classes_});
  for (Index i = 0; i < n; ++i) {
    const float id = y[i];
    if (!(id >= 0 && id < float(num_classes_)) || id != std::floor(id)) {
      throw Error(fmt::format("{}: label {} at index {} is not a class id in [0,{})", type(), id, i,
                              num_classes_));
    }
    rows[i * num_classes_ + Index(id)] = 1.0f;
  }
  return rows;
}

void LabelMixing::operator()(Batch& batch, bool training) {
  batch.y = one_hot(batch.y);
  if (!training || batch.x.dim(0) == 0) return;
  const Index n = batch.x.dim(0), c = batch.y.dim(1);
  const std::uint64_t key = derive_seed(derive_seed(seed_, epoch_), calls_++);
  // The pairing: a permutation of the batch, drawn once for it.
  partners_.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) partners_[std::size_t(i)] = i;
  Generator pairing(derive_seed(key, std::uint64_t(position_) ^ 0x9e3779b97f4a7c15ull));
  pairing.shuffle(partners_.data(), n);
  weights_.assign(std::size_t(n), 1.0f);
  const Tensor original = batch.x.clone();
  const Tensor labels = batch.y.clone();
  for (Index i = 0; i < n; ++i) {
    Generator rng(derive_seed(key, std::uint64_t(position_ + i)));
    mix_images(original, batch.x, i, rng);
    const float w = weights_[std::size_t(i)];
    const Index p = partners_[std::size_t(i)];
    for (Index k = 0; k < c; ++k) {
      batch.y[i * c + k] = w * labels[i * c + k] + (1.0f - w) * labels[p * c + k];
    }
  }
}

MixUp::MixUp(float alpha, Index num_classes, std::optional<std::uint64_t> seed)
    : LabelMixing("MixUp", alpha, num_classes, seed) {}

void MixUp::mix_images(const Tensor& original, Tensor& x, Index i, Generator& rng) {
  const float lambda = float(rng.beta(alpha_, alpha_));
  weights_[std::size_t(i)] = lambda;
  const Index size = x.size() / x.dim(0), p = last_partners()[std::size_t(i)];
  const float* a = original.data() + i * size;
  const float* b = original.data() + p * size;
  float* out = x.data() + i * size;
  for (Index k = 0; k < size; ++k) out[k] = lambda * a[k] + (1.0f - lambda) * b[k];
}

CutMix::CutMix(float alpha, Index num_classes, std::optional<std::uint64_t> seed)
    : LabelMixing("CutMix", alpha, num_classes, seed) {}

void CutMix::mix_images(const Tensor& original, Tensor& x, Index i, Generator& rng) {
  if (x.rank() != 4) throw Error("CutMix: expected images (N,H,W,C), got " + x.shape().str());
  const Index h = x.dim(1), w = x.dim(2), c = x.dim(3), size = h * w * c;
  const double lambda = rng.beta(alpha_, alpha_), r = std::sqrt(1.0 - lambda);
  const double cy = h * rng.uniform_double(), cx = w * rng.uniform_double();
  const Index top = std::clamp<Index>(std::lround(cy - 0.5 * r * h), 0, h);
  const Index bottom = std::clamp<Index>(std::lround(cy + 0.5 * r * h), 0, h);
  const Index left = std::clamp<Index>(std::lround(cx - 0.5 * r * w), 0, w);
  const Index right = std::clamp<Index>(std::lround(cx + 0.5 * r * w), 0, w);
  if (boxes_.size() != std::size_t(x.dim(0))) boxes_.resize(std::size_t(x.dim(0)));
  boxes_[std::size_t(i)] = {top, left, bottom, right};
  const Index p = last_partners()[std::size_t(i)];
  for (Index y = top; y < bottom; ++y) {
    std::memcpy(x.data() + i * size + (y * w + left) * c,
                original.data() + p * size + (y * w + left) * c,
                sizeof(float) * std::size_t((right - left) * c));
  }
  // The labels follow the area pasted, after clipping.
  weights_[std::size_t(i)] = 1.0f - float(double((bottom - top) * (right - left)) / double(h * w));
}

}  // namespace minidl
