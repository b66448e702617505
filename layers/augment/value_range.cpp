#include <minidl/layers/augment/value_range.hpp>

#include <fmt/core.h>

#include <minidl/core/error.hpp>

namespace minidl {

void check_value_range(const ValueRange& range, const std::string& owner) {
  if (!(range.low < range.high)) {
    throw Error(fmt::format("{}: value_range must have low < high, got ({}, {})", owner, range.low,
                            range.high));
  }
}

}  // namespace minidl
