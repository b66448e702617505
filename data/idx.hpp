// IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), raw or
// gzip-compressed: a magic number 0x00 0x00 <type> <rank>, <rank> big-endian uint32 dimensions,
// then the data. minidl reads unsigned-byte data (type 0x08), which is what those datasets use.
#pragma once

#include <string>

#include <minidl/data/image_array.hpp>

namespace minidl {

// A rank-3 (N,H,W) image file, as (N,H,W,1).
ImageArray read_idx_images(const std::string& path);
// A rank-1 label file; every label must be below `classes`.
std::vector<std::int32_t> read_idx_labels(const std::string& path, std::int32_t classes);

// Where the Debian package dataset-fashion-mnist installs the files.
inline const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// dir holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each raw or with ".gz". MNIST and Fashion-MNIST share these names;
// the class names are Fashion-MNIST's.
TrainTest load_fashion_mnist(const std::string& dir = kFashionMnistDir);
// The same files with MNIST's class names "0".."9".
TrainTest load_mnist(const std::string& dir);

}  // namespace minidl
