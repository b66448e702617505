#include <minidl/layers/augment/policy_ops.hpp>

#include <algorithm>
#include <cmath>

#include <minidl/layers/augment/color.hpp>
#include <minidl/layers/augment/random_color_degeneration.hpp>
#include <minidl/layers/augment/random_contrast.hpp>
#include <minidl/layers/augment/random_posterization.hpp>
#include <minidl/layers/augment/random_sharpness.hpp>
#include <minidl/layers/augment/solarization.hpp>
#include <minidl/layers/preprocess/auto_contrast.hpp>
#include <minidl/layers/preprocess/equalization.hpp>

namespace minidl {

const char* policy_op_name(PolicyOp op) {
  static const char* names[kPolicyOps] = {
      "Identity", "ShearX",   "ShearY",    "TranslateX", "TranslateY", "Rotate",       "Brightness",
      "Color",    "Contrast", "Sharpness", "Posterize",  "Solarize",   "AutoContrast", "Equalize"};
  return names[int(op)];
}

bool is_geometric(PolicyOp op) {
  return op == PolicyOp::ShearX || op == PolicyOp::ShearY || op == PolicyOp::TranslateX ||
         op == PolicyOp::TranslateY || op == PolicyOp::Rotate;
}

PolicyStep policy_step(PolicyOp op, float m, Generator& rng, Index h, Index w) {
  const float sign = rng.uniform() < 0.5f ? -1.0f : 1.0f;
  const double cx = 0.5 * double(w - 1), cy = 0.5 * double(h - 1);
  PolicyStep s;
  s.op = op;
  switch (op) {
    case PolicyOp::ShearX:
      s.transform = shear_transform(sign * 0.3 * m, 0.0, cx, cy);
      break;
    case PolicyOp::ShearY:
      s.transform = shear_transform(0.0, sign * 0.3 * m, cx, cy);
      break;
    case PolicyOp::TranslateX:
      s.transform = translation_transform(sign * 0.45 * m * w, 0.0);
      break;
    case PolicyOp::TranslateY:
      s.transform = translation_transform(0.0, sign * 0.45 * m * h);
      break;
    case PolicyOp::Rotate:
      s.transform = rotation_transform(sign * 30.0 * m * M_PI / 180.0, h, w);
      break;
    case PolicyOp::Brightness:
    case PolicyOp::Color:
    case PolicyOp::Contrast:
    case PolicyOp::Sharpness:
      s.value = 1.0f + sign * 0.9f * m;
      break;
    case PolicyOp::Posterize:
      s.value = 8.0f - std::round(4.0f * m);
      break;
    case PolicyOp::Solarize:
      s.value = (1.0f - m) * 255.0f;
      break;
    case PolicyOp::Identity:
    case PolicyOp::AutoContrast:
    case PolicyOp::Equalize:
      break;
  }
  return s;
}

void apply_policy_step(const PolicyStep& s, const float* in, float* out, Index h, Index w, Index c,
                       const ValueRange& range, const Resampling& resampling) {
  const Index pixels = h * w, size = pixels * c;
  switch (s.op) {
    case PolicyOp::ShearX:
    case PolicyOp::ShearY:
    case PolicyOp::TranslateX:
    case PolicyOp::TranslateY:
    case PolicyOp::Rotate:
      affine_transform(in, out, h, w, c, s.transform, resampling);
      return;
    case PolicyOp::Brightness:
      for (Index k = 0; k < size; ++k) {
        const float v = from_unit(to_unit(in[k], range) * s.value, range);
        out[k] = std::clamp(v, range.low, range.high);
      }
      return;
    case PolicyOp::Color:
      if (c == 3) {
        degenerate_color(in, out, pixels, 1.0f - s.value, range);
      } else {
        std::copy(in, in + size, out);
      }
      return;
    case PolicyOp::Contrast:
      adjust_contrast(in, out, h, w, c, s.value, range);
      return;
    case PolicyOp::Sharpness:
      adjust_sharpness(in, out, h, w, c, 0.5f * s.value, range);
      return;
    case PolicyOp::Posterize:
      posterize(in, out, size, int(s.value), range);
      return;
    case PolicyOp::Solarize:
      solarize(in, out, size, 0.0f, s.value, range);
      return;
    case PolicyOp::AutoContrast:
      auto_contrast(in, out, h, w, c, range);
      return;
    case PolicyOp::Equalize:
      equalize(in, out, pixels, c, 256, range);
      return;
    case PolicyOp::Identity:
      std::copy(in, in + size, out);
      return;
  }
}

void apply_policy_steps(const std::vector<PolicyStep>& steps, const float* in, float* out,
                        float* scratch, Index h, Index w, Index c, const ValueRange& range,
                        const Resampling& resampling) {
  const auto changes = [](const PolicyStep& s) { return s.op != PolicyOp::Identity; };
  auto remaining = std::count_if(steps.begin(), steps.end(), changes);
  if (remaining == 0) {
    std::copy(in, in + h * w * c, out);
    return;
  }
  const float* src = in;
  for (const PolicyStep& s : steps) {
    if (!changes(s)) continue;
    float* dst = --remaining % 2 == 0 ? out : scratch;
    apply_policy_step(s, src, dst, h, w, c, range, resampling);
    src = dst;
  }
}

}  // namespace minidl
