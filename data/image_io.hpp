// Reading PNG/JPEG (and the other formats stb_image knows) and writing PNG, one image or a grid.
// Float images hold values 0..255 (what the loaders and the augmentation layers produce); they are
// rounded and clamped when written. Writes are atomic (core/file_io.hpp).
#pragma once

#include <string>

#include <minidl/core/tensor.hpp>
#include <minidl/data/image_array.hpp>

namespace minidl {

// One image as (1,H,W,C). channels: 0 keeps the file's, 1 grey, 3 RGB, 4 RGBA.
ImageArray read_image(const std::string& path, int channels = 0);

// Image `index` of `images`.
void write_png(const std::string& path, const ImageArray& images, Index index = 0);
// A float image (H,W,C) or (1,H,W,C) with C in {1,3,4}.
void write_png(const std::string& path, const Tensor& image);
// Images (N,H,W,C) in a grid of `columns` columns, row by row, `padding` pixels of
// `background` (0..255) between and around them.
void write_png_grid(const std::string& path, const Tensor& images, Index columns, Index padding = 2,
                    float background = 255.0f);

}  // namespace minidl
