// The image operations of RandAugment and AugMix, torchvision's list and magnitudes: at magnitude
// m in [0, 1] (drawn per image and op), with a random sign where the op has two directions,
//   Identity
//   ShearX, ShearY        shear +-0.3 m, about the centre
//   TranslateX, -Y        +-0.45 m of the width / height
//   Rotate                +-30 m degrees
//   Brightness            y = x (1 +- 0.9 m)                 (towards black or brighter)
//   Color                 y = gray + (1 +- 0.9 m) (x - gray) (saturation)
//   Contrast              adjust_contrast by 1 +- 0.9 m
//   Sharpness             smooth + (1 +- 0.9 m) (x - smooth)
//   Posterize             keep 8 - round(4 m) bits
//   Solarize              invert from (1 - m) * 255 up
//   AutoContrast, Equalize
// Colour ops need RGB; on other images Color is the identity.
#pragma once

#include <cstdint>
#include <vector>

#include <minidl/core/generator.hpp>
#include <minidl/layers/augment/affine_transform.hpp>
#include <minidl/layers/augment/value_range.hpp>

namespace minidl {

enum class PolicyOp {
  Identity,
  ShearX,
  ShearY,
  TranslateX,
  TranslateY,
  Rotate,
  Brightness,
  Color,
  Contrast,
  Sharpness,
  Posterize,
  Solarize,
  AutoContrast,
  Equalize
};
constexpr int kPolicyOps = 14;
const char* policy_op_name(PolicyOp op);
bool is_geometric(PolicyOp op);

// One op with its drawn parameter: the transform of a geometric op, the factor, bits or
// threshold of the others.
struct PolicyStep {
  PolicyOp op = PolicyOp::Identity;
  float value = 0.0f;
  AffineTransform transform;
};

// Draws the op's sign from rng and computes its parameter at magnitude m, for (height, width).
PolicyStep policy_step(PolicyOp op, float magnitude, Generator& rng, Index height, Index width);

// Applies a step to one (H,W,C) image; in and out must not overlap.
void apply_policy_step(const PolicyStep& step, const float* in, float* out, Index height,
                       Index width, Index channels, const ValueRange& range,
                       const Resampling& resampling);
// Applies `steps` in order, from `in` (never written) to `out`. The steps that change the image
// take turns writing `out` and `scratch` (an image's size), in the order that makes the last
// write `out`: no copies between steps. Identity steps are skipped; with none left, a copy.
void apply_policy_steps(const std::vector<PolicyStep>& steps, const float* in, float* out,
                        float* scratch, Index height, Index width, Index channels,
                        const ValueRange& range, const Resampling& resampling);

}  // namespace minidl
