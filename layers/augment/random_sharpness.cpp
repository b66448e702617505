#include <minidl/layers/augment/random_sharpness.hpp>

#include <algorithm>

#include <minidl/layers/augment/color.hpp>

namespace minidl {

void adjust_sharpness(const float* in, float* out, Index h, Index w, Index c, float f,
                      const ValueRange& range) {
  std::copy(in, in + h * w * c, out);
  const float keep = 1.0f - 2.0f * f;
  const Index row = w * c;
  // Row by row over the inner pixels' contiguous floats (the neighbours of float j are j - c and
  // j + c), a loop compilers vectorise; the sum in the order of the 3x3 window, top row first.
  for (Index y = 1; y + 1 < h; ++y) {
    const float* above = in + (y - 1) * row;
    const float* centre = in + y * row;
    const float* below = in + (y + 1) * row;
    float* o = out + y * row;
    for (Index j = c; j < row - c; ++j) {
      float sum = 4.0f * centre[j];  // weight 5 at the centre: 4 here, 1 in the 3x3 sum
      sum += above[j - c], sum += above[j], sum += above[j + c];
      sum += centre[j - c], sum += centre[j], sum += centre[j + c];
      sum += below[j - c], sum += below[j], sum += below[j + c];
      const float smooth = sum / 13.0f;
      o[j] = clamp_by_value(centre[j] + keep * (smooth - centre[j]), range.low, range.high);
    }
  }
}

RandomSharpness::RandomSharpness(FactorRange factor, ValueRange value_range,
                                 std::optional<std::uint64_t> seed)
    : FactorAugmentation("RandomSharpness", factor, value_range, /*rgb=*/false, seed) {}

void RandomSharpness::transform(Index i, const float* in, float* out) const {
  adjust_sharpness(in, out, height(), width(), channels(), values_[std::size_t(i)], range_);
}

RandomSharpness RandomSharpness::from_config(const LayerConfig& config) {
  const auto [factor, value_range] = arguments_of(config);
  return RandomSharpness(factor, value_range, config.seed());
}

}  // namespace minidl
