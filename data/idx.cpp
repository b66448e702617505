#include <minidl/data/idx.hpp>

#include <sys/stat.h>

#include <cstdio>

#include <minidl/core/error.hpp>
#include <minidl/core/file_io.hpp>

namespace minidl {
namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr Index kTooLarge = Index{1} << 62;

struct IdxData {
  std::vector<std::uint8_t> bytes;
  std::vector<Index> dims;
  Index data_offset = 0;
};

std::string fail_prefix(const std::string& path) {
  return "IDX file '" + path + "': ";
}

std::string hex(const std::uint8_t* bytes, int count) {
  std::string out = "0x";
  for (int i = 0; i < count; ++i) {
    char digits[3];
    std::snprintf(digits, sizeof digits, "%02x", bytes[i]);
    out += digits;
  }
  return out;
}

IdxData read_idx(const std::string& path, int rank) {
  IdxData idx;
  idx.bytes = read_file_bytes(path, "IDX file");
  const std::vector<std::uint8_t>& b = idx.bytes;
  const Index size = static_cast<Index>(b.size());
  if (size < 4) {
    throw Error(fail_prefix(path) + "truncated: " + std::to_string(size) +
                " bytes, shorter than the 4-byte magic number");
  }
  if (b[0] != 0 || b[1] != 0 || b[3] != rank) {
    throw Error(fail_prefix(path) + "wrong magic number " + hex(b.data(), 4) +
                " at byte 0, expected 0x0000" + "08" + (rank == 1 ? "01" : "03") +
                " (unsigned bytes, rank " + std::to_string(rank) + ")");
  }
  if (b[2] != kUnsignedByte) {
    throw Error(fail_prefix(path) + "data type " + hex(b.data() + 2, 1) +
                " at byte 2 is not supported, expected 0x08 (unsigned byte)");
  }
  idx.data_offset = 4 + 4 * Index{rank};
  if (size < idx.data_offset) {
    throw Error(fail_prefix(path) + "truncated header: " + std::to_string(size) +
                " bytes, the dimensions end at byte " + std::to_string(idx.data_offset));
  }
  Index expected = 1;
  for (int d = 0; d < rank; ++d) {
    const std::uint8_t* p = b.data() + 4 + 4 * d;
    const Index dim = (Index{p[0]} << 24) | (Index{p[1]} << 16) | (Index{p[2]} << 8) | p[3];
    idx.dims.push_back(dim);
    // Saturates instead of overflowing: a corrupt header may declare 2^96 bytes.
    expected = dim != 0 && expected > kTooLarge / dim ? kTooLarge : expected * dim;
  }
  const Index data = size - idx.data_offset;
  if (data != expected) {
    std::string dims;
    for (Index d : idx.dims) dims += (dims.empty() ? "" : "x") + std::to_string(d);
    throw Error(fail_prefix(path) + (data < expected ? "truncated" : "trailing bytes") +
                ": the header declares " + dims + " = " + std::to_string(expected) +
                " data bytes from byte " + std::to_string(idx.data_offset) + ", the file has " +
                std::to_string(data));
  }
  return idx;
}

// "name" or "name.gz", whichever exists (the raw file first).
std::string find_file(const std::string& dir, const std::string& name) {
  struct stat info {};
  const std::string raw = dir + "/" + name;
  if (::stat(raw.c_str(), &info) == 0) return raw;
  return raw + ".gz";
}

TrainTest load_idx_split(const std::string& dir, const std::vector<std::string>& names) {
  TrainTest data;
  for (const char* part : {"train", "t10k"}) {
    LabeledImages& set = std::string(part) == "train" ? data.train : data.test;
    const std::string images = find_file(dir, std::string(part) + "-images-idx3-ubyte");
    const std::string labels = find_file(dir, std::string(part) + "-labels-idx1-ubyte");
    set.images = read_idx_images(images);
    set.labels = read_idx_labels(labels, static_cast<std::int32_t>(names.size()));
    if (static_cast<Index>(set.labels.size()) != set.images.count()) {
      throw Error("IDX files '" + images + "' and '" + labels +
                  "' disagree: " + std::to_string(set.images.count()) + " images but " +
                  std::to_string(set.labels.size()) + " labels");
    }
    set.class_names = names;
  }
  return data;
}

}  // namespace

ImageArray read_idx_images(const std::string& path) {
  const IdxData idx = read_idx(path, 3);
  ImageArray images({idx.dims[0], idx.dims[1], idx.dims[2], 1});
  std::copy(idx.bytes.begin() + idx.data_offset, idx.bytes.end(), images.data());
  return images;
}

std::vector<std::int32_t> read_idx_labels(const std::string& path, std::int32_t classes) {
  const IdxData idx = read_idx(path, 1);
  std::vector<std::int32_t> labels(idx.bytes.begin() + idx.data_offset, idx.bytes.end());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= classes) {
      throw Error(fail_prefix(path) + "record " + std::to_string(i) + " at byte " +
                  std::to_string(idx.data_offset + static_cast<Index>(i)) + ": label " +
                  std::to_string(labels[i]) + " out of range [0," + std::to_string(classes) + ")");
    }
  }
  return labels;
}

TrainTest load_fashion_mnist(const std::string& dir) {
  return load_idx_split(dir, {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                              "Shirt", "Sneaker", "Bag", "Ankle boot"});
}

TrainTest load_mnist(const std::string& dir) {
  return load_idx_split(dir, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
}

}  // namespace minidl
