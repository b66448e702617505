// ValueRange: the range pixel values live in, e.g. (0, 255) or (0, 1), as Keras' value_range.
// RandomContrast and RandomBrightness clip their output to it; RandomBrightness scales its shift
// by its width.
#pragma once

#include <string>

#include <minidl/layers/config.hpp>

namespace minidl {

struct ValueRange {
  ValueRange(float low_value = 0.0f, float high_value = 255.0f)
      : low(low_value), high(high_value) {}
  float low, high;
};

// Throws unless low < high, naming `owner`.
void check_value_range(const ValueRange& range, const std::string& owner);
// A config's "value_range": [low, high], (0, 255) when missing.
ValueRange value_range_of(const LayerConfig& config);

}  // namespace minidl
