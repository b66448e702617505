// affine_transform: the deterministic geometry under RandomRotation, RandomTranslation and
// RandomZoom, with Keras 3's conventions (keras.ops.image.affine_transform):
//   - The transform is an inverse map: output pixel (x, y) (x = column, y = row; pixel centres
//     at integer coordinates) samples the input at x' = a0*x + a1*y + a2, y' = b0*x + b1*y + b2
//     (divided by c0*x + c1*y + 1 for a projective transform).
//   - interpolation: bilinear (taps floor(x'), floor(x')+1 weighted by the fraction) or nearest
//     (round to the nearest tap; exact halves round up).
//   - fill_mode fixes each tap that falls outside the image:
//       reflect  (d c b a | a b c d | d c b a)  mirrored about the edge, edge pixel repeated
//       wrap     (a b c d | a b c d | a b c d)
//       nearest  (a a a a | a b c d | d d d d)
//       constant (k k k k | a b c d | k k k k)  the tap reads fill_value
// Images are (H,W,C); every channel uses the same sample positions.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl {

enum class Interpolation { Bilinear, Nearest };
enum class FillMode { Reflect, Wrap, Constant, Nearest };

// Parse Keras' names; `owner` starts the error message for unknown ones.
Interpolation parse_interpolation(const std::string& name, const std::string& owner);
FillMode parse_fill_mode(const std::string& name, const std::string& owner);
std::string interpolation_name(Interpolation interpolation);
std::string fill_mode_name(FillMode fill_mode);

// Keras' transform row [a0, a1, a2, b0, b1, b2, c0, c1]. With c0 = c1 = 0 (the affine maps) the
// output pixel (x, y) samples (a0 x + a1 y + a2, b0 x + b1 y + b2); otherwise it is projective
// and both coordinates are divided by k = c0 x + c1 y + 1 (as TensorFlow's
// ImageProjectiveTransformV3 computes it).
struct AffineTransform {
  float a0 = 1, a1 = 0, a2 = 0;
  float b0 = 0, b1 = 1, b2 = 0;
  float c0 = 0, c1 = 0;
};

// Rotation by `radians` counter-clockwise about the image centre ((W-1)/2, (H-1)/2).
AffineTransform rotation_transform(double radians, Index height, Index width);
// Shift the content by (dx, dy) pixels, right and down for positive values.
AffineTransform translation_transform(double dx, double dy);
// Keras' zoom about the centre: zx, zy > 1 zoom out (the content shrinks), < 1 zoom in.
AffineTransform zoom_transform(double zx, double zy, Index height, Index width);

// Shear about (cx, cy): output (x, y) samples (x + sx (y - cy), y + sy (x - cx)). Keras'
// RandomShear uses (cx, cy) = (0, 0); minidl's the image centre.
AffineTransform shear_transform(double sx, double sy, double cx, double cy);
// The projective transform whose output points `to` sample the input points `from` (four (x, y)
// pairs each, no three on a line): Keras' compute_homography_matrix(start = from, end = to).
// Throws when the points are degenerate.
AffineTransform homography(const float (&from)[4][2], const float (&to)[4][2]);

// The transform's inverse (input point -> output point); Throws for a singular one.
AffineTransform inverse(const AffineTransform& t);
// Where t sends the point (x, y) (pixel-centre coordinates, as the sampling uses).
std::array<float, 2> map_point(const AffineTransform& t, float x, float y);
// The box (pixel xyxy, edges at whole numbers) whose input region t's output covers: each corner
// sent by inverse(t), the enclosing box of the four.
std::array<float, 4> map_box(const AffineTransform& inverse_t, const std::array<float, 4>& box);

struct Resampling {
  Interpolation interpolation = Interpolation::Bilinear;
  FillMode fill_mode = FillMode::Reflect;
  float fill_value = 0.0f;
};

// One image: in and out are (H,W,C) buffers that must not overlap.
void affine_transform(const float* in, float* out, Index height, Index width, Index channels,
                      const AffineTransform& transform, const Resampling& resampling);

// A batch (N,H,W,C) with one transform per image (or a single transform for all), or one image
// (H,W,C) with one transform.
Tensor affine_transform(const Tensor& images, const std::vector<AffineTransform>& transforms,
                        const Resampling& resampling);

}  // namespace minidl
