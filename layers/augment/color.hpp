// The pixel arithmetic of the colour layers, with Keras 3's formulas (keras.ops.image, whose
// numpy and jax backends agree; tests/data/augment/keras_goldens.json holds its values):
//   gray = 0.2989 R + 0.5870 G + 0.1140 B
//   HSV with every component in [0, 1], hue a fraction of a turn.
#pragma once

#include <string>

#include <minidl/core/shape.hpp>
#include <minidl/layers/augment/augmentation_layer.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

inline float gray_of(const float* rgb) {
  return 0.2989f * rgb[0] + 0.5870f * rgb[1] + 0.1140f * rgb[2];
}

// One pixel: rgb in [0, 1] to hsv and back. A component smaller in magnitude than float's epsilon
// counts as 0 (as Keras), so that an almost black pixel has no hue.
void rgb_to_hsv(const float* rgb, float* hsv);
// The hue wraps around (any real number); no clipping.
void hsv_to_rgb(const float* hsv, float* rgb);

// Maps a value of `range` to [0, 1] and back.
inline float to_unit(float v, const ValueRange& range) {
  return (v - range.low) / (range.high - range.low);
}
inline float from_unit(float v, const ValueRange& range) {
  return v * (range.high - range.low) + range.low;
}

// A factor range that may only be in [0, max]: FactorRange's single factor f, which arrives as
// (-f, f), means (0, f), as Keras documents it for these layers.
FactorRange from_zero(const FactorRange& factor);

// Throws unless images of `sample_shape` (H,W,C) have 3 channels, naming `owner`.
void check_rgb(const Shape& sample_shape, const std::string& owner);

}  // namespace minidl
