#include <minidl/layers/augment/annotated_images.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

struct FormatName {
  BoxFormat format;
  const char* name;
};
constexpr FormatName kFormats[] = {
    {BoxFormat::Xyxy, "xyxy"},        {BoxFormat::Yxyx, "yxyx"},
    {BoxFormat::Xywh, "xywh"},        {BoxFormat::CenterXywh, "center_xywh"},
    {BoxFormat::RelXyxy, "rel_xyxy"}, {BoxFormat::RelYxyx, "rel_yxyx"},
    {BoxFormat::RelXywh, "rel_xywh"}, {BoxFormat::RelCenterXywh, "rel_center_xywh"},
};

bool relative(BoxFormat f) {
  return f == BoxFormat::RelXyxy || f == BoxFormat::RelYxyx || f == BoxFormat::RelXywh ||
         f == BoxFormat::RelCenterXywh;
}

}  // namespace

BoxFormat parse_box_format(const std::string& name) {
  for (const FormatName& f : kFormats) {
    if (name == f.name) return f.format;
  }
  std::string known;
  for (const FormatName& f : kFormats) known += std::string(known.empty() ? "" : ", ") + f.name;
  throw Error("unknown bounding box format '" + name + "', expected one of " + known);
}

std::string box_format_name(BoxFormat format) {
  for (const FormatName& f : kFormats) {
    if (format == f.format) return f.name;
  }
  return "";
}

std::array<float, 4> to_pixel_xyxy(const std::array<float, 4>& b, BoxFormat format, Index height,
                                   Index width) {
  const float sx = relative(format) ? float(width) : 1.0f;
  const float sy = relative(format) ? float(height) : 1.0f;
  switch (format) {
    case BoxFormat::Xyxy:
    case BoxFormat::RelXyxy:
      return {b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy};
    case BoxFormat::Yxyx:
    case BoxFormat::RelYxyx:
      return {b[1] * sx, b[0] * sy, b[3] * sx, b[2] * sy};
    case BoxFormat::Xywh:
    case BoxFormat::RelXywh:
      return {b[0] * sx, b[1] * sy, (b[0] + b[2]) * sx, (b[1] + b[3]) * sy};
    case BoxFormat::CenterXywh:
    case BoxFormat::RelCenterXywh:
      return {(b[0] - 0.5f * b[2]) * sx, (b[1] - 0.5f * b[3]) * sy, (b[0] + 0.5f * b[2]) * sx,
              (b[1] + 0.5f * b[3]) * sy};
  }
  return b;
}

std::array<float, 4> from_pixel_xyxy(const std::array<float, 4>& b, BoxFormat format, Index height,
                                     Index width) {
  const float sx = relative(format) ? 1.0f / float(width) : 1.0f;
  const float sy = relative(format) ? 1.0f / float(height) : 1.0f;
  switch (format) {
    case BoxFormat::Xyxy:
    case BoxFormat::RelXyxy:
      return {b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy};
    case BoxFormat::Yxyx:
    case BoxFormat::RelYxyx:
      return {b[1] * sy, b[0] * sx, b[3] * sy, b[2] * sx};
    case BoxFormat::Xywh:
    case BoxFormat::RelXywh:
      return {b[0] * sx, b[1] * sy, (b[2] - b[0]) * sx, (b[3] - b[1]) * sy};
    case BoxFormat::CenterXywh:
    case BoxFormat::RelCenterXywh:
      return {0.5f * (b[0] + b[2]) * sx, 0.5f * (b[1] + b[3]) * sy, (b[2] - b[0]) * sx,
              (b[3] - b[1]) * sy};
  }
  return b;
}

void clip_boxes(BoundingBoxes& boxes, Index height, Index width) {
  std::size_t kept = 0;
  for (std::size_t k = 0; k < boxes.boxes.size(); ++k) {
    std::array<float, 4> b = boxes.boxes[k];
    b[0] = std::clamp(b[0], 0.0f, float(width));
    b[2] = std::clamp(b[2], 0.0f, float(width));
    b[1] = std::clamp(b[1], 0.0f, float(height));
    b[3] = std::clamp(b[3], 0.0f, float(height));
    // A thousandth of a pixel: what rounding leaves of a box cut away at an edge.
    constexpr float kEmpty = 1e-3f;
    if (!(b[2] - b[0] > kEmpty && b[3] - b[1] > kEmpty)) continue;
    boxes.boxes[kept] = b;
    boxes.labels[kept] = boxes.labels[k];
    ++kept;
  }
  boxes.boxes.resize(kept);
  boxes.labels.resize(kept);
}

void check_annotations(const AnnotatedImages& batch, const std::string& owner) {
  const Tensor& x = batch.images;
  if (x.rank() != 4) {
    throw Error(owner + ": expected images (N,H,W,C), got " + x.shape().str());
  }
  if (!batch.masks.empty() && batch.masks.shape() != Shape{x.dim(0), x.dim(1), x.dim(2), 1}) {
    throw Error(owner + ": expected masks (N,H,W,1) = (" + std::to_string(x.dim(0)) + "," +
                std::to_string(x.dim(1)) + "," + std::to_string(x.dim(2)) + ",1) for images " +
                x.shape().str() + ", got " + batch.masks.shape().str());
  }
  if (!batch.boxes.empty() && Index(batch.boxes.size()) != x.dim(0)) {
    throw Error(owner + ": expected one list of boxes per image, " + std::to_string(x.dim(0)) +
                ", got " + std::to_string(batch.boxes.size()));
  }
  for (std::size_t i = 0; i < batch.boxes.size(); ++i) {
    if (batch.boxes[i].boxes.size() != batch.boxes[i].labels.size()) {
      throw Error(owner + ": image " + std::to_string(i) + " has " +
                  std::to_string(batch.boxes[i].boxes.size()) + " boxes but " +
                  std::to_string(batch.boxes[i].labels.size()) + " labels");
    }
  }
}

}  // namespace minidl
