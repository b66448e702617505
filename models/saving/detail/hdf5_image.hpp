// HDF5 files held in memory (the HDF5 C library's core driver with a file image): the weights of
// a .keras archive. The serial HDF5 library is not thread-safe, so every call holds one lock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl::detail {

// The float datasets of groups, read from a file image. `owner` starts error messages.
class Hdf5Reader {
 public:
  Hdf5Reader(const std::string& image, std::string owner);
  ~Hdf5Reader();
  Hdf5Reader(const Hdf5Reader&) = delete;
  Hdf5Reader& operator=(const Hdf5Reader&) = delete;

  // Datasets "<group>/0", "<group>/1", ... until one is missing, as float32 tensors (integer
  // datasets such as Normalization's count are read as floats too). Empty when the group is
  // missing.
  std::vector<Tensor> numbered_datasets(const std::string& group) const;
  // A scalar integer dataset (Keras' optimizer step count).
  std::int64_t integer(const std::string& path) const;

 private:
  bool exists(const std::string& path) const;
  Tensor read(const std::string& path) const;

  std::int64_t file_ = -1;  // an hid_t (hdf5.h stays out of this header)
  std::string owner_;
  std::size_t image_size_;
};

// Writes float32 datasets at paths such as "layers/dense/vars/0", and int64 scalars (groups made
// as needed), and returns the file image.
std::string make_hdf5_image(const std::vector<std::pair<std::string, const Tensor*>>& datasets,
                            const std::vector<std::pair<std::string, std::int64_t>>& integers = {});

}  // namespace minidl::detail
