// A PNG of images in a grid, with a label over each column and before each row (text drawn with
// stb_easy_font), images enlarged `zoom` times with nearest-neighbour pixels.
#pragma once

#include <string>
#include <vector>

#include <minidl/core/tensor.hpp>

namespace examples {

// images: (rows * columns, H, W, C) with values 0..255, row by row.
void write_labelled_grid(const std::string& path, const minidl::Tensor& images,
                         minidl::Index columns, const std::vector<std::string>& column_labels,
                         const std::vector<std::string>& row_labels, int zoom = 3);

}  // namespace examples
