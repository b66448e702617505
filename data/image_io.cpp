#include <minidl/data/image_io.hpp>

#include <climits>
#include <memory>
#include <vector>

#include <stb_image.h>
#include <stb_image_write.h>

#include <minidl/core/error.hpp>
#include <minidl/core/file_io.hpp>

namespace minidl {
namespace {

void check_channels(const std::string& what, const std::string& path, Index channels) {
  if (channels != 1 && channels != 3 && channels != 4) {
    throw Error(what + " '" + path + "': expected 1, 3 or 4 channels, got " +
                std::to_string(channels));
  }
}

}  // namespace

// PNG through a memory buffer, then an atomic write.
void write_png(const std::string& path, const ImageArray& images, Index index) {
  const Shape& s = images.shape();
  check_channels("write_png", path, s[3]);
  if (index < 0 || index >= images.count()) {
    throw Error("write_png '" + path + "': no image " + std::to_string(index) + " in " +
                std::to_string(images.count()));
  }
  if (s[1] < 1 || s[2] < 1 || s[1] > INT_MAX / 4 || s[2] > INT_MAX / 4) {
    throw Error("write_png '" + path + "': cannot write an image of " + std::to_string(s[1]) + "x" +
                std::to_string(s[2]) + " pixels");
  }
  std::vector<std::uint8_t> png;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
  };
  const int ok = stbi_write_png_to_func(append, &png, int(s[2]), int(s[1]), int(s[3]),
                                        images.image(index), int(s[2] * s[3]));
  if (!ok) throw Error("write_png '" + path + "': PNG encoding failed");
  write_file_atomically(path, png.data(), png.size());
}

ImageArray read_image(const std::string& path, int channels) {
  if (channels != 0) check_channels("read_image", path, channels);
  const std::vector<std::uint8_t> bytes = read_file_bytes(path, "image file");
  if (bytes.size() > INT_MAX) throw Error("image file '" + path + "': larger than 2 GiB");
  int width = 0, height = 0, in_file = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), int(bytes.size()), &width, &height, &in_file, channels),
      stbi_image_free);
  if (!pixels) {
    const char* reason = stbi_failure_reason();
    throw Error("image file '" + path + "': cannot decode its " + std::to_string(bytes.size()) +
                " bytes as an image: " + (reason ? reason : "unknown format"));
  }
  const int c = channels ? channels : in_file;
  ImageArray image({1, height, width, c});
  std::copy(pixels.get(), pixels.get() + image.shape().size(), image.data());
  return image;
}

void write_png(const std::string& path, const Tensor& image) {
  if (!(image.rank() == 3 || (image.rank() == 4 && image.dim(0) == 1))) {
    throw Error("write_png '" + path + "': expected one image (H,W,C) or (1,H,W,C), got " +
                image.shape().str());
  }
  write_png(path, to_images(image), 0);
}

void write_png_grid(const std::string& path, const Tensor& images, Index columns, Index padding,
                    float background) {
  if (images.rank() != 4 || images.dim(0) < 1) {
    throw Error("write_png_grid '" + path + "': expected images (N,H,W,C) with N >= 1, got " +
                images.shape().str());
  }
  if (columns < 1 || padding < 0) {
    throw Error("write_png_grid '" + path + "': expected columns >= 1 and padding >= 0, got " +
                std::to_string(columns) + " and " + std::to_string(padding));
  }
  const Index n = images.dim(0), h = images.dim(1), w = images.dim(2), c = images.dim(3);
  check_channels("write_png_grid", path, c);
  const Index rows = (n + columns - 1) / columns;
  const Index grid_h = rows * h + (rows + 1) * padding,
              grid_w = columns * w + (columns + 1) * padding;
  Tensor grid({1, grid_h, grid_w, c}, background);
  for (Index i = 0; i < n; ++i) {
    const Index top = padding + (i / columns) * (h + padding);
    const Index left = padding + (i % columns) * (w + padding);
    for (Index y = 0; y < h; ++y) {
      const float* src = images.data() + ((i * h + y) * w) * c;
      std::copy(src, src + w * c, grid.data() + ((top + y) * grid_w + left) * c);
    }
  }
  write_png(path, to_images(grid), 0);
}

}  // namespace minidl
