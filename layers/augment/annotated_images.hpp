// AnnotatedImages: images with what describes them, for segmentation and detection. Every
// augmentation layer takes them (AugmentationLayer::operator()) and applies the transform it draws
// for an image to that image's mask and boxes as well:
//   geometric layers  the mask with nearest sampling (pixels from outside the image get
//                     mask_fill, the background class); each box's corners moved, the enclosing
//                     box taken, clipped to the image, and dropped with its label when nothing is
//                     left of it;
//   colour layers     masks and boxes unchanged.
//
//   minidl::AnnotatedImages batch{images, masks, boxes, minidl::BoxFormat::Xyxy};
//   batch = rotation(batch, /*training=*/true);   // the same angle for an image, mask and boxes
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl {

// Keras 3's box formats: corners (xyxy, yxyx), corner and size (xywh), centre and size
// (center_xywh), in pixels or, with rel_, as fractions of the image's width and height.
enum class BoxFormat { Xyxy, Yxyx, Xywh, CenterXywh, RelXyxy, RelYxyx, RelXywh, RelCenterXywh };
BoxFormat parse_box_format(const std::string& name);
std::string box_format_name(BoxFormat format);

// One image's boxes (4 numbers each, in the batch's format) and their class labels.
struct BoundingBoxes {
  std::vector<std::array<float, 4>> boxes;
  std::vector<std::int32_t> labels;
};

struct AnnotatedImages {
  Tensor images;                     // (N,H,W,C)
  Tensor masks;                      // empty, or (N,H,W,1) class ids
  std::vector<BoundingBoxes> boxes;  // empty, or one entry per image
  BoxFormat box_format = BoxFormat::Xyxy;
  float mask_fill = 0.0f;  // the class of pixels a transform brings in from outside
};

// Pixel corners (x1, y1, x2, y2), edges at whole numbers: pixel (0, 0) covers [0, 1] x [0, 1].
std::array<float, 4> to_pixel_xyxy(const std::array<float, 4>& box, BoxFormat format, Index height,
                                   Index width);
std::array<float, 4> from_pixel_xyxy(const std::array<float, 4>& box, BoxFormat format,
                                     Index height, Index width);

// Clips each box to [0, width] x [0, height] and removes those left thinner than a thousandth of
// a pixel, and their labels (pixel xyxy).
void clip_boxes(BoundingBoxes& boxes, Index height, Index width);

// Throws unless masks and boxes fit images (N,H,W,C), naming `owner`.
void check_annotations(const AnnotatedImages& batch, const std::string& owner);

}  // namespace minidl
