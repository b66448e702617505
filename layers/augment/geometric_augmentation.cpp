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

Json GeometricAugmentation::resampling_config() const {
  return {{"fill_mode", fill_mode_name(resampling_.fill_mode)},
          {"interpolation", interpolation_name(resampling_.interpolation)},
          {"fill_value", resampling_.fill_value}};
}

}  // namespace minidl
