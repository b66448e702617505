#include "labelled_grid.hpp"

#include <algorithm>

#include <stb_easy_font.h>

#include <minidl/core/error.hpp>
#include <minidl/data/image_io.hpp>

namespace examples {
namespace {

constexpr int kTextScale = 2;  // stb_easy_font's glyphs are about 7 pixels high
constexpr int kPad = 6;

int text_width(const std::string& text) {
  return stb_easy_font_width(const_cast<char*>(text.c_str())) * kTextScale;
}

// Draws `text` in black with its top-left corner at (x, y) of an (height, width, channels) canvas.
void draw_text(minidl::Tensor& canvas, const std::string& text, int x, int y) {
  const minidl::Index height = canvas.dim(1), width = canvas.dim(2), channels = canvas.dim(3);
  std::vector<char> quads(64 * 1024);
  unsigned char black[4] = {0, 0, 0, 255};
  const int count = stb_easy_font_print(0, 0, const_cast<char*>(text.c_str()), black, quads.data(),
                                        int(quads.size()));
  struct Vertex {
    float x, y, z;
    unsigned char color[4];
  };
  const auto* v = reinterpret_cast<const Vertex*>(quads.data());
  for (int q = 0; q < count; ++q, v += 4) {
    // Each quad is an axis-aligned rectangle: vertices 0 and 2 are opposite corners.
    const int x0 = x + int(v[0].x) * kTextScale, x1 = x + int(v[2].x) * kTextScale;
    const int y0 = y + int(v[0].y) * kTextScale, y1 = y + int(v[2].y) * kTextScale;
    for (int py = std::max(y0, 0); py < std::min<int>(y1, int(height)); ++py) {
      for (int px = std::max(x0, 0); px < std::min<int>(x1, int(width)); ++px) {
        for (minidl::Index c = 0; c < channels; ++c) canvas[(py * width + px) * channels + c] = 0;
      }
    }
  }
}

}  // namespace

void write_labelled_grid(const std::string& path, const minidl::Tensor& images,
                         minidl::Index columns, const std::vector<std::string>& column_labels,
                         const std::vector<std::string>& row_labels, int zoom) {
  if (images.rank() != 4 || columns < 1 || images.dim(0) % columns != 0 || zoom < 1) {
    throw minidl::Error("write_labelled_grid '" + path + "': expected (rows*columns,H,W,C) " +
                        "images for " + std::to_string(columns) + " columns, got " +
                        images.shape().str());
  }
  const minidl::Index rows = images.dim(0) / columns;
  const minidl::Index h = images.dim(1) * zoom, w = images.dim(2) * zoom, c = images.dim(3);
  int label_width = 0;
  for (const std::string& label : row_labels)
    label_width = std::max(label_width, text_width(label));
  const int header = 10 * kTextScale + kPad;
  const minidl::Index left = label_width + 2 * kPad;
  const minidl::Index width = left + columns * (w + kPad);
  const minidl::Index height = header + rows * (h + kPad) + kPad;
  minidl::Tensor canvas(minidl::Shape{1, height, width, c}, 255.0f);
  for (minidl::Index i = 0; i < images.dim(0); ++i) {
    const minidl::Index top = header + (i / columns) * (h + kPad);
    const minidl::Index x0 = left + (i % columns) * (w + kPad);
    const float* src = images.data() + i * images.dim(1) * images.dim(2) * c;
    for (minidl::Index y = 0; y < h; ++y) {
      for (minidl::Index x = 0; x < w; ++x) {
        for (minidl::Index k = 0; k < c; ++k) {
          canvas[((top + y) * width + x0 + x) * c + k] =
              src[((y / zoom) * images.dim(2) + x / zoom) * c + k];
        }
      }
    }
  }
  for (minidl::Index col = 0; col < columns && col < minidl::Index(column_labels.size()); ++col) {
    const int x = int(left + col * (w + kPad) + (w - text_width(column_labels[col])) / 2);
    draw_text(canvas, column_labels[col], std::max(x, 0), kPad / 2);
  }
  for (minidl::Index row = 0; row < rows && row < minidl::Index(row_labels.size()); ++row) {
    draw_text(canvas, row_labels[row], kPad,
              int(header + row * (h + kPad) + h / 2 - 4 * kTextScale));
  }
  minidl::write_png(path, canvas);
}

}  // namespace examples
