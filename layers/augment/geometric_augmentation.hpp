// GeometricAugmentation: RandomRotation, RandomTranslation and RandomZoom draw one affine
// transform per image (Keras' matrices) and resample with affine_transform; they differ only in
// how they draw it. fill_mode (default "reflect"), interpolation (default "bilinear") and
// fill_value (for "constant") have Keras' meanings, see affine_transform.hpp.
#pragma once

#include <vector>

#include <minidl/layers/augment/affine_transform.hpp>
#include <minidl/layers/augment/augmentation_layer.hpp>

namespace minidl {

class GeometricAugmentation : public AugmentationLayer {
 public:
  // The transforms drawn for the images of the last training call, in order.
  const std::vector<AffineTransform>& last_transforms() const { return transforms_; }

 protected:
  GeometricAugmentation(const char* type, const std::string& fill_mode,
                        const std::string& interpolation, float fill_value,
                        std::optional<std::uint64_t> seed);
  void transform(Index i, const float* in, float* out) const override;
  void transform_mask(Index i, const float* in, float* out, float fill) const override;
  void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const override;
  // fill_mode, interpolation and fill_value, for get_config.
  Json resampling_config() const;

  std::vector<AffineTransform> transforms_;

 private:
  Resampling resampling_;
};

}  // namespace minidl
