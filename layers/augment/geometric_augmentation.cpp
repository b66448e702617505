#include <minidl/layers/augment/geometric_augmentation.hpp>

namespace minidl {

GeometricAugmentation::GeometricAugmentation(const char* type, const std::string& fill_mode,
                                             const std::string& interpolation, float fill_value,
                                             std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      resampling_{parse_interpolation(interpolation, type), parse_fill_mode(fill_mode, type),
                  fill_value} {}

void GeometricAugmentation::transform(Index i, const float* in, float* out) const {
  affine_transform(in, out, height(), width(), channels(), transforms_[i], resampling_);
}

void GeometricAugmentation::transform_mask(Index i, const float* in, float* out, float fill) const {
  // The image's fill mode, so that mask and image agree on what came in from outside; class ids
  // are never blended.
  const Resampling nearest{Interpolation::Nearest, resampling_.fill_mode, fill};
  affine_transform(in, out, height(), width(), 1, transforms_[std::size_t(i)], nearest);
}

void GeometricAugmentation::transform_boxes(Index i,
                                            std::vector<std::array<float, 4>>& boxes) const {
  if (boxes.empty()) return;
  const AffineTransform forward = inverse(transforms_[std::size_t(i)]);
  for (auto& b : boxes) b = map_box(forward, b);
}

Json GeometricAugmentation::resampling_config() const {
  return {{"fill_mode", fill_mode_name(resampling_.fill_mode)},
          {"interpolation", interpolation_name(resampling_.interpolation)},
          {"fill_value", resampling_.fill_value}};
}

}  // namespace minidl
