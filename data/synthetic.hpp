// Generated datasets for tests, examples and benchmarks.
#pragma once

#include <cstdint>

#include <minidl/core/tensor.hpp>

namespace minidl {

struct LabelledData {
  Tensor x;  // samples
  Tensor y;  // class ids (N)
};

// Two interleaved spirals in the plane, a classic non-linear two-class problem:
// x (2n, 2) with coordinates in about [-1, 1], y (2n) in {0, 1}, samples alternating classes.
// Each arm turns 1.75 times; `noise` is the standard deviation of Gaussian jitter.
LabelledData make_spirals(Index n_per_class, float noise, std::uint64_t seed);

}  // namespace minidl
