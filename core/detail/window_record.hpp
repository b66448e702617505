// Internal: what the 2x2 max-pooling kernels record of each window's maximum, in a byte: its
// position in the window (0-3, row-major) or kNoMaximum where no value is above -infinity, plus
// kPositive where it is > 0 (where a ReLU before the pooling passes the gradient). A byte instead
// of a 4-byte pixel index: the record is written in forward and read in backward from L3, and the
// backward pass need not read the pooled outputs again for the ReLU's derivative. The pooling
// (layers/detail/max_pool_2x2.hpp) and the kernels that pool what they compute write it alike.
#pragma once

#include <cstdint>

namespace minidl::detail {

constexpr std::uint8_t kNoMaximum = 4, kPositive = 8;

}  // namespace minidl::detail
