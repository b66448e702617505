// The reference CNN of the benchmarks (batch 64, 32x32x3, 10 classes, Adam 1e-3, sparse CE from
// logits): [Rescaling(1/255)] [RandomFlip("horizontal") RandomRotation(0.1)]
// Conv2D(32,3,same,relu) MaxPooling2D(2) Conv2D(64,3,same,relu) MaxPooling2D(2) Flatten
// Dense(128,relu) Dense(10). The PyTorch peer (../shared/bench/torch_peer.py) builds the same.
#pragma once

#include <minidl/minidl.hpp>

inline minidl::Sequential reference_cnn(bool augment = false, bool rescale = false) {
  minidl::Sequential model(/*seed=*/0);
  if (rescale) model.add(minidl::Rescaling(1.0f / 255));
  if (augment) {
    model.add(minidl::RandomFlip("horizontal"));
    model.add(minidl::RandomRotation(0.1f));
  }
  model.add(minidl::Conv2D(32, 3, 1, "same", "relu"));
  model.add(minidl::MaxPooling2D(2));
  model.add(minidl::Conv2D(64, 3, 1, "same", "relu"));
  model.add(minidl::MaxPooling2D(2));
  model.add(minidl::Flatten());
  model.add(minidl::Dense(128, "relu"));
  model.add(minidl::Dense(10));
  model.build(minidl::Shape{32, 32, 3});
  model.compile(minidl::Adam(1e-3f), minidl::SparseCategoricalCrossentropy(/*from_logits=*/true));
  return model;
}
