// Weight initialisers, drawn from a layer's own generator.
#pragma once

#include <minidl/core/generator.hpp>
#include <minidl/core/tensor.hpp>

namespace minidl {

// Uniform in [-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)), as Keras' GlorotUniform.
Tensor glorot_uniform(const Shape& shape, Index fan_in, Index fan_out, Generator& rng);

}  // namespace minidl
