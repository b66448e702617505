// What the data-parallel tests train, with and without MPI: a small network with every layer
// whose training depends on how a batch is split (augmentation, BatchNormalization, Dropout), and
// 23 samples, so that batches of 10 leave a ragged last batch of 3 (an empty shard at 4 ranks).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <minidl/minidl.hpp>

namespace minidl::testing {

inline Model distributed_model(std::uint64_t seed = 5) {
  Node x = Input({8, 8, 2});
  Node h = RandomFlip("horizontal")(x);
  h = RandomTranslation(0.2f, 0.2f)(h);
  h = Conv2D(4, 3, 1, "same", "linear", /*use_bias=*/false)(h);
  h = BatchNormalization()(h);
  h = Activation("relu")(h);
  h = Flatten()(h);
  h = Dropout(0.3f)(h);
  Node y = Dense(3)(h);
  Model model({x}, {y}, "distributed", seed);
  model.compile(SGD(0.1f, /*momentum=*/0.9f), SparseCategoricalCrossentropy(/*from_logits=*/true),
                {"accuracy"});
  return model;
}

struct DistributedData {
  Tensor x, y;
};

inline DistributedData distributed_data(Index samples = 23) {
  DistributedData d{Tensor(Shape{samples, 8, 8, 2}), Tensor(Shape{samples})};
  Generator rng(11);
  for (Index i = 0; i < d.x.size(); ++i) d.x[i] = rng.uniform(-1.0f, 1.0f);
  for (Index i = 0; i < samples; ++i) d.y[i] = static_cast<float>(rng.below(3));
  return d;
}

inline Dataset distributed_batches(const DistributedData& d, Index batch = 10) {
  return Dataset(d.x.share(), d.y.share()).shuffle(3).batch(batch);
}

// The largest |a - b| / (|b| + 1e-3) over every weight: 0 for equal models.
inline double largest_relative_difference(const std::vector<Tensor>& a,
                                          const std::vector<Tensor>& b) {
  double worst = 0.0;
  for (std::size_t t = 0; t < a.size(); ++t) {
    for (Index i = 0; i < a[t].size(); ++i) {
      const double diff = std::abs(double(a[t][i]) - double(b[t][i]));
      worst = std::max(worst, diff / (std::abs(double(b[t][i])) + 1e-3));
    }
  }
  return worst;
}

}  // namespace minidl::testing
