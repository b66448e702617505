// Internal: 64-byte-aligned float buffers for Tensor. Buffers of 64 KiB and more go back to a
// cache keyed by size when their last owner drops them, and the next request of the same size
// takes one from there. A training step asks for the same sizes every step, so after the first
// step it allocates nothing and touches no fresh pages. The cache holds at most 256 MiB.
#pragma once

#include <memory>

#include <minidl/core/shape.hpp>

namespace minidl::detail {

// Uninitialised storage for `count` floats; empty for count 0.
std::shared_ptr<float> acquire_buffer(Index count);

}  // namespace minidl::detail
