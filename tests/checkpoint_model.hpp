// The model the checkpoint kill test writes and reads: 1M parameters, a 4 MB weights file.
#pragma once

#include <minidl/minidl.hpp>

namespace minidl::testing {

inline Sequential checkpoint_model() {
  Sequential model(0);
  model.add(Dense(1000));
  model.build(Shape{1000});
  return model;
}

inline void fill_weights(Sequential& model, float value) {
  for (Parameter* p : model.parameters()) p->value.fill(value);
}

}  // namespace minidl::testing
