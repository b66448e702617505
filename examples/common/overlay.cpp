#include "overlay.hpp"

#include <algorithm>
#include <cmath>

namespace examples {

minidl::Tensor overlay(const minidl::AnnotatedImages& batch) {
  const minidl::Tensor& x = batch.images;
  const minidl::Index n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  minidl::Tensor out(minidl::Shape{n, h, w, 3});
  for (minidl::Index i = 0; i < n; ++i) {
    for (minidl::Index p = 0; p < h * w; ++p) {
      float* o = out.data() + (i * h * w + p) * 3;
      const float* v = x.data() + (i * h * w + p) * c;
      for (int k = 0; k < 3; ++k) o[k] = v[c == 3 ? k : 0];
      if (!batch.masks.empty() && batch.masks[i * h * w + p] >= 1.0f) {
        o[0] = 0.5f * o[0] + 127.0f;
        o[1] *= 0.5f;
        o[2] *= 0.5f;
      }
    }
    if (batch.boxes.empty()) continue;
    for (const auto& box : batch.boxes[std::size_t(i)].boxes) {
      const auto b = minidl::to_pixel_xyxy(box, batch.box_format, h, w);
      const auto x1 = std::clamp<minidl::Index>(minidl::Index(std::floor(b[0])), 0, w - 1);
      const auto x2 = std::clamp<minidl::Index>(minidl::Index(std::ceil(b[2])) - 1, 0, w - 1);
      const auto y1 = std::clamp<minidl::Index>(minidl::Index(std::floor(b[1])), 0, h - 1);
      const auto y2 = std::clamp<minidl::Index>(minidl::Index(std::ceil(b[3])) - 1, 0, h - 1);
      auto green = [&](minidl::Index y, minidl::Index xx) {
        float* o = out.data() + ((i * h + y) * w + xx) * 3;
        o[0] = 0.0f, o[1] = 255.0f, o[2] = 0.0f;
      };
      for (minidl::Index xx = x1; xx <= x2; ++xx) green(y1, xx), green(y2, xx);
      for (minidl::Index y = y1; y <= y2; ++y) green(y, x1), green(y, x2);
    }
  }
  return out;
}

minidl::AnnotatedImages annotate_foreground(const minidl::Tensor& images, float threshold) {
  const minidl::Index n = images.dim(0), h = images.dim(1), w = images.dim(2), c = images.dim(3);
  minidl::AnnotatedImages a;
  a.images = images.share();
  a.masks = minidl::Tensor(minidl::Shape{n, h, w, 1}, 0.0f);
  for (minidl::Index i = 0; i < n; ++i) {
    float x1 = float(w), y1 = float(h), x2 = 0.0f, y2 = 0.0f;
    for (minidl::Index y = 0; y < h; ++y)
      for (minidl::Index x = 0; x < w; ++x) {
        if (!(images[((i * h + y) * w + x) * c] > threshold)) continue;
        a.masks[(i * h + y) * w + x] = 1.0f;
        x1 = std::min(x1, float(x)), x2 = std::max(x2, float(x + 1));
        y1 = std::min(y1, float(y)), y2 = std::max(y2, float(y + 1));
      }
    minidl::BoundingBoxes boxes;
    if (x2 > x1) {
      boxes.boxes.push_back({x1, y1, x2, y2});
      boxes.labels.push_back(1);
    }
    a.boxes.push_back(std::move(boxes));
  }
  return a;
}

}  // namespace examples
