#include <minidl/data/image_array.hpp>

#include <algorithm>
#include <cmath>

#include <minidl/core/error.hpp>

namespace minidl {

ImageArray::ImageArray(const Shape& shape) : shape_(shape) {
  if (shape.rank() != 4 || shape.size() < 0) {
    throw Error("ImageArray: expected a shape (N,H,W,C), got " + shape.str());
  }
  pixels_.assign(static_cast<std::size_t>(shape.size()), 0);
}

Tensor ImageArray::gather(const Index* indices, Index n) const {
  Tensor out(sample_shape().with_batch(n));
  const Index size = sample_size();
  float* dst = out.data();
  for (Index k = 0; k < n; ++k, dst += size) {
    if (indices[k] < 0 || indices[k] >= count()) {
      throw Error("ImageArray: index " + std::to_string(indices[k]) + " out of range for " +
                  std::to_string(count()) + " images");
    }
    // A plain loop: the compiler vectorises the uint8 -> float widening.
    const std::uint8_t* src = image(indices[k]);
    for (Index j = 0; j < size; ++j) dst[j] = static_cast<float>(src[j]);
  }
  return out;
}

Tensor ImageArray::to_tensor() const {
  std::vector<Index> all(static_cast<std::size_t>(count()));
  for (Index i = 0; i < count(); ++i) all[i] = i;
  return gather(all.data(), count());
}

ImageArray to_images(const Tensor& images) {
  if (images.rank() != 3 && images.rank() != 4) {
    throw Error("to_images: expected images (N,H,W,C) or (H,W,C), got " + images.shape().str());
  }
  const Shape shape = images.rank() == 4 ? images.shape() : images.shape().with_batch(1);
  ImageArray out(shape);
  for (Index i = 0; i < images.size(); ++i) {
    const float v = std::isnan(images[i]) ? 0.0f : std::nearbyint(images[i]);
    out.data()[i] = static_cast<std::uint8_t>(std::clamp(v, 0.0f, 255.0f));
  }
  return out;
}

}  // namespace minidl
