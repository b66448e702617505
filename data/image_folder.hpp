// A directory of images with one sub-folder per class, as Keras' image_dataset_from_directory:
//   dir/cat/001.png, dir/cat/002.jpg, dir/dog/001.png, ...
// Classes are the sub-folder names in sorted order (class id = position); files are read in
// sorted order; PNG, JPEG, BMP, GIF and TGA files are read, other files are skipped.
// Every image must have the size of the first one; channels: 0 keeps the first file's, 1 grey,
// 3 RGB, 4 RGBA (converted on reading).
#pragma once

#include <string>

#include <minidl/data/image_array.hpp>

namespace minidl {

LabeledImages load_image_folder(const std::string& dir, int channels = 3);

}  // namespace minidl
