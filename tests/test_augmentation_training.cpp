// Training with augmentation layers on a generated, learnable dataset: bars whose orientation is
// the class (horizontal, vertical, both), which flips and small rotations preserve.
#include <algorithm>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

// n images 32x32x3 of class i % 3 on a noisy background: a horizontal bar, a vertical bar, or
// both, in the left half (columns 2..13). With mirrored, half the images, drawn at random, are
// flipped left-right, so their bars lie in the right half.
LabelledData bars(Index n, bool mirrored, std::uint64_t seed) {
  Generator rng(seed);
  LabelledData d{Tensor(Shape{n, 32, 32, 3}), Tensor(Shape{n})};
  for (Index i = 0; i < n; ++i) {
    float* img = d.x.data() + i * 32 * 32 * 3;
    for (Index p = 0; p < 32 * 32 * 3; ++p) img[p] = rng.uniform(0.0f, 0.3f);
    const int cls = int(i % 3);
    d.y[i] = float(cls);
    const Index x0 = 2 + rng.below(4);
    const Index y0 = 4 + rng.below(20);
    const float colour[3] = {rng.uniform(0.6f, 1.0f), rng.uniform(0.6f, 1.0f), 0.8f};
    auto paint = [&](Index r, Index c) {
      for (int k = 0; k < 3; ++k) img[(r * 32 + c) * 3 + k] = colour[k];
    };
    for (Index t = 0; t < 8; ++t) {
      for (Index w = 0; w < 2; ++w) {
        if (cls != 1) paint(y0 + w, x0 + t);          // horizontal
        if (cls != 0) paint(y0 - 2 + t, x0 + 3 + w);  // vertical
      }
    }
    if (mirrored && rng.below(2)) {
      Tensor copy(Shape{32, 32, 3});
      std::copy(img, img + copy.size(), copy.data());
      flip_image(copy.data(), img, 32, 32, 3, /*horizontal=*/true, /*vertical=*/false);
    }
  }
  return d;
}

float validation_accuracy(bool augment, const LabelledData& train, const LabelledData& val) {
  Sequential model(/*seed=*/3);
  if (augment) {
    model.add(RandomFlip("horizontal"));
    model.add(RandomRotation(0.02f));
  }
  model.add(Conv2D(16, 3, 1, "same", "relu"));
  model.add(MaxPooling2D(2));
  model.add(Conv2D(32, 3, 1, "same", "relu"));
  model.add(MaxPooling2D(2));
  model.add(Flatten());
  model.add(Dense(32, "relu"));
  model.add(Dense(3));
  model.compile(Adam(3e-3f), SparseCategoricalCrossentropy(true), {"accuracy"});
  FitOptions options;
  options.epochs = 15;
  options.batch_size = 32;
  options.verbose = 0;
  const History h = model.fit(train.x, train.y, val.x, val.y, options);
  return h.history.at("val_accuracy").back();
}

}  // namespace

TEST_CASE("a CNN with augmentation learns oriented bars, and augmentation helps a biased set") {
  // Training bars only in the left half; validation bars in either half: a horizontal flip shows
  // the model right-half bars it would otherwise never see.
  const LabelledData train = bars(240, /*mirrored=*/false, 1);
  const LabelledData val = bars(300, /*mirrored=*/true, 2);
  const float with = validation_accuracy(true, train, val);
  const float without = validation_accuracy(false, train, val);
  INFO("validation accuracy with augmentation " << with << ", without " << without);
  CHECK(with >= 0.8f);  // chance is 1/3
  CHECK(with >= without);
}
