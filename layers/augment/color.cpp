#include <minidl/layers/augment/color.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <minidl/core/error.hpp>

namespace minidl {

void rgb_to_hsv(const float* rgb, float* hsv) {
  float c[3];
  for (int k = 0; k < 3; ++k) {
    c[k] = std::abs(rgb[k]) < std::numeric_limits<float>::epsilon() ? 0.0f : rgb[k];
  }
  const float high = std::max({c[0], c[1], c[2]}), low = std::min({c[0], c[1], c[2]});
  const float range = high - low;
  float h = 0.0f;
  if (range > 0.0f) {
    if (high == c[0]) {
      h = (c[1] - c[2]) / (6.0f * range);
    } else if (high == c[1]) {
      h = (c[2] - c[0]) / (6.0f * range) + 1.0f / 3.0f;
    } else {
      h = (c[0] - c[1]) / (6.0f * range) + 2.0f / 3.0f;
    }
    if (h < 0.0f) h += 1.0f;
  }
  hsv[0] = h;
  hsv[1] = high > 0.0f ? range / high : 0.0f;
  hsv[2] = high;
}

void hsv_to_rgb(const float* hsv, float* rgb) {
  const float h = (hsv[0] - std::floor(hsv[0])) * 6.0f, s = hsv[1], v = hsv[2];
  const float d[3] = {std::clamp(std::abs(h - 3.0f) - 1.0f, 0.0f, 1.0f),
                      std::clamp(2.0f - std::abs(h - 2.0f), 0.0f, 1.0f),
                      std::clamp(2.0f - std::abs(h - 4.0f), 0.0f, 1.0f)};
  for (int k = 0; k < 3; ++k) rgb[k] = v * (1.0f - s + s * d[k]);
}

void check_rgb(const Shape& s, const std::string& owner) {
  if (s.rank() != 3 || s[2] != 3) {
    throw Error(owner + ": expected RGB images (N,H,W,3), got " + s.str_batched());
  }
}

FactorRange from_zero(const FactorRange& factor) {
  return factor.lower < 0.0f ? FactorRange(0.0f, factor.upper) : factor;
}

}  // namespace minidl
