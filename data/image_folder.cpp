#include <minidl/data/image_folder.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <minidl/core/error.hpp>
#include <minidl/data/image_io.hpp>
#include <minidl/layers/preprocess/resizing.hpp>

namespace minidl {
namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga"}) {
    if (ext == known) return true;
  }
  return false;
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (directories ? e.is_directory() : (e.is_regular_file() && is_image_name(e.path())))
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// `image` (one image) resized to `size`, unless it has that size already.
ImageArray resized(ImageArray image, Size2 size, Interpolation interpolation) {
  if (image.shape()[1] == size.h && image.shape()[2] == size.w) return image;
  return to_images(resize_images(image.to_tensor(), size.h, size.w, interpolation));
}

}  // namespace

LabeledImages load_image_folder(const std::string& dir, int channels,
                                std::optional<Size2> image_size, const std::string& interpolation) {
  const Interpolation resampling = parse_interpolation(interpolation, "load_image_folder");
  if (image_size && (image_size->h < 1 || image_size->w < 1)) {
    throw Error("load_image_folder: image_size must be >= 1 each way, got " + image_size->str());
  }
  std::error_code code;
  if (!fs::is_directory(dir, code)) {
    throw Error("image folder '" + dir + "': not a directory");
  }
  LabeledImages out;
  std::vector<ImageArray> images;
  for (const fs::path& class_dir : sorted_entries(dir, /*directories=*/true)) {
    const auto label = static_cast<std::int32_t>(out.class_names.size());
    out.class_names.push_back(class_dir.filename().string());
    for (const fs::path& file : sorted_entries(class_dir, /*directories=*/false)) {
      images.push_back(read_image(file.string(), channels));
      if (image_size) images.back() = resized(std::move(images.back()), *image_size, resampling);
      const Shape& first = images.front().shape();
      if (images.back().shape() != first) {
        throw Error("image folder '" + dir + "': image '" + file.string() + "' is " +
                    images.back().sample_shape().str() + " (H,W,C), expected " +
                    first.without_batch().str() +
                    " as the first image (image_size resizes every image to one size)");
      }
      channels = static_cast<int>(first[3]);
      out.labels.push_back(label);
    }
  }
  if (images.empty()) {
    throw Error("image folder '" + dir +
                "': no images found; expected one sub-folder of PNG/JPEG files per class");
  }
  out.images = ImageArray(images.front().sample_shape().with_batch(Index(images.size())));
  for (std::size_t i = 0; i < images.size(); ++i)
    std::copy(images[i].data(), images[i].data() + images[i].sample_size(),
              out.images.image(Index(i)));
  return out;
}

}  // namespace minidl
