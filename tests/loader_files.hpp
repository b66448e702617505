// Writers of small files in the formats the loaders read, for tests to load back or corrupt.
#pragma once

#include <string>
#include <vector>

#include <zlib.h>

#include <minidl/core/error.hpp>
#include <minidl/data/image_array.hpp>

namespace minidl::testing {

// Pixel p (planar: plane, row, column) of record i.
inline std::uint8_t cifar_pixel(Index i, Index p) {
  return std::uint8_t((7 * i + p) % 251);
}

// n CIFAR records: `label_bytes` label bytes (the last one is i % classes, a coarse one before it
// is i % 20), then 3072 planar pixels.
inline std::vector<std::uint8_t> cifar_bytes(Index n, Index label_bytes, int classes) {
  std::vector<std::uint8_t> out;
  for (Index i = 0; i < n; ++i) {
    if (label_bytes == 2) out.push_back(std::uint8_t(i % 20));
    out.push_back(std::uint8_t(i % classes));
    for (Index p = 0; p < 3072; ++p) out.push_back(cifar_pixel(i, p));
  }
  return out;
}

// An IDX file of unsigned bytes: magic, big-endian dimensions, data.
inline std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims,
                                           const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out = {0, 0, 0x08, std::uint8_t(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift : {24, 16, 8, 0}) out.push_back(std::uint8_t(d >> shift));
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

inline void write_gzip(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  if (!gz || gzwrite(gz, bytes.data(), unsigned(bytes.size())) != int(bytes.size())) {
    throw Error("test could not write " + path);
  }
  gzclose(gz);
}

// n images of h x w pixels, value (i * 31 + p) mod 256, for IDX image files.
inline std::vector<std::uint8_t> idx_image_data(Index n, Index h, Index w) {
  std::vector<std::uint8_t> data;
  for (Index i = 0; i < n; ++i) {
    for (Index p = 0; p < h * w; ++p) data.push_back(std::uint8_t((i * 31 + p) % 256));
  }
  return data;
}

}  // namespace minidl::testing
