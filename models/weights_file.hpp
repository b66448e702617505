// The weights file: named tensors, written atomically, checked on reading.
//
// Format, version 2, little-endian (version 1 is version 2 without text entries):
//   offset 0   8 bytes   magic "MINIDLWT"
//          8   uint32    version (2)
//         12   uint32    number of entries
//         16   entries, each:
//                uint16    name length L, then L bytes of name (UTF-8), e.g. "conv2d/kernel"
//                uint8     dtype: 1 float32, 2 int64, 3 UTF-8 text (rank 1: its byte count)
//                uint8     rank R (0..4), then R x int64 dimensions
//                data      product(dimensions) values of the dtype
//   end - 4    uint32    CRC-32 (zlib's, as in gzip and PNG) of every byte before it
//
// Sequential::save_weights names a parameter "<layer name>/<parameter name>"; with the optimizer
// it adds "optimizer.<Adam|SGD>/iterations" (int64), ".../learning_rate" and one entry per state
// slot, "optimizer.Adam/<parameter>/<slot index>". A model file (models/saving/model_file.hpp) is
// this file with a first text entry, "model.json", holding the architecture and compile settings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl {

struct WeightsEntry {
  std::string name;
  Tensor value;              // float32 entries
  std::int64_t integer = 0;  // int64 entries (rank 0)
  bool is_integer = false;
  std::string text;  // text entries
  bool is_text = false;

  static WeightsEntry of_tensor(std::string name, Tensor value);
  static WeightsEntry of_integer(std::string name, std::int64_t value);
  static WeightsEntry of_text(std::string name, std::string text);
};

void write_weights_file(const std::string& path, const std::vector<WeightsEntry>& entries);
// Every entry of the file, after checking its magic, version, CRC and structure; an Error names
// the file and the byte where reading failed.
std::vector<WeightsEntry> read_weights_file(const std::string& path);

// The file's bytes, in memory (what data-parallel training broadcasts); `what` and `path` name
// the bytes in errors.
std::vector<std::uint8_t> encode_weights(const std::vector<WeightsEntry>& entries,
                                         const std::string& what);
std::vector<WeightsEntry> decode_weights(const std::vector<std::uint8_t>& bytes,
                                         const std::string& path);

}  // namespace minidl
