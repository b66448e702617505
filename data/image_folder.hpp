// A directory of images with one sub-folder per class, as Keras' image_dataset_from_directory:
//   dir/cat/001.png, dir/cat/002.jpg, dir/dog/001.png, ...
// Classes are the sub-folder names in sorted order (class id = position); files are read in
// sorted order; PNG, JPEG, BMP, GIF and TGA files are read, other files are skipped.
// channels: 0 keeps the first file's, 1 grey, 3 RGB, 4 RGBA (converted on reading).
// image_size: every image is resized to it (as Resizing does, without keeping the aspect ratio;
// "bilinear" or "nearest"), the result rounded to 0..255. Without one every image must have the
// size of the first (Keras always resizes, to 256x256 by default; here a different size is an
// error unless asked for).
#pragma once

#include <optional>
#include <string>

#include <minidl/data/image_array.hpp>
#include <minidl/layers/conv_geometry.hpp>

namespace minidl {

LabeledImages load_image_folder(const std::string& dir, int channels = 3,
                                std::optional<Size2> image_size = std::nullopt,
                                const std::string& interpolation = "bilinear");

}  // namespace minidl
