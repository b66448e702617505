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

ValueRange value_range_of(const LayerConfig& config) {
  if (!config.has("value_range")) return {};
  const std::vector<float> range = config.numbers("value_range");
  if (range.size() != 2) {
    config.fail("value_range",
                "must be [low, high], got " + config.json().at("value_range").dump());
  }
  return {range[0], range[1]};
}

}  // namespace minidl
