// ImageArray: images as the files store them, uint8 (N,H,W,C), until a batch needs floats.
// CIFAR-10's 50,000 training images take 150 MB this way instead of 600 MB as float32.
// LabeledImages pairs them with integer class ids, as every loader returns them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <minidl/core/shape.hpp>
#include <minidl/core/tensor.hpp>

namespace minidl {

class ImageArray {
 public:
  ImageArray() = default;
  // Zero-filled storage for `shape` (N,H,W,C).
  explicit ImageArray(const Shape& shape);

  const Shape& shape() const { return shape_; }
  Index count() const { return shape_[0]; }
  Shape sample_shape() const { return shape_.without_batch(); }
  Index sample_size() const { return sample_shape().size(); }

  std::uint8_t* data() { return pixels_.data(); }
  const std::uint8_t* data() const { return pixels_.data(); }
  std::uint8_t* image(Index i) { return data() + i * sample_size(); }
  const std::uint8_t* image(Index i) const { return data() + i * sample_size(); }

  // The images at `indices`, in that order, as float32 values 0..255 (N,H,W,C).
  Tensor gather(const Index* indices, Index n) const;
  // Every image as float32 values 0..255.
  Tensor to_tensor() const;

 private:
  Shape shape_{0, 0, 0, 0};
  std::vector<std::uint8_t> pixels_;
};

struct LabeledImages {
  ImageArray images;
  std::vector<std::int32_t> labels;  // one class id per image, in [0, class_names.size())
  std::vector<std::string> class_names;

  Index count() const { return images.count(); }
};

// A dataset's published split.
struct TrainTest {
  LabeledImages train;
  LabeledImages test;
};

// Images converted back from float (N,H,W,C) or (H,W,C): values rounded and clamped to 0..255.
ImageArray to_images(const Tensor& images);

}  // namespace minidl
