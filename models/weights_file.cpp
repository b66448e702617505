#include <minidl/models/weights_file.hpp>

#include <cstring>

#include <zlib.h>

#include <minidl/core/error.hpp>
#include <minidl/core/file_io.hpp>

namespace minidl {
namespace {

constexpr char kMagic[8] = {'M', 'I', 'N', 'I', 'D', 'L', 'W', 'T'};
constexpr std::uint32_t kVersion = 2;
constexpr std::uint8_t kFloat32 = 1, kInt64 = 2, kText = 3;

static_assert(sizeof(float) == 4, "the format stores float32");

template <class T>
void put(std::vector<std::uint8_t>& out, T value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB per call.
  for (std::size_t done = 0; done < size;) {
    const std::size_t part = std::min<std::size_t>(size - done, 1u << 30);
    crc = crc32(crc, data + done, static_cast<uInt>(part));
    done += part;
  }
  return static_cast<std::uint32_t>(crc);
}

// Reads values in order from the file's bytes; an overrun names the file and the byte.
class Reader {
 public:
  Reader(const std::string& path, const std::vector<std::uint8_t>& bytes, std::size_t end)
      : path_(path), bytes_(bytes), end_(end) {}

  template <class T>
  T get(const char* what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));
    return value;
  }
  const std::uint8_t* take(std::size_t n, const char* what) {
    if (n > end_ - at_) {
      fail(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes at byte " +
           std::to_string(at_) + ", " + std::to_string(end_ - at_) + " are left");
    }
    const std::uint8_t* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  std::size_t at() const { return at_; }
  std::size_t left() const { return end_ - at_; }
  [[noreturn]] void fail(const std::string& message) const {
    throw Error("weights file '" + path_ + "': " + message);
  }

 private:
  const std::string& path_;
  const std::vector<std::uint8_t>& bytes_;
  std::size_t end_;
  std::size_t at_ = 0;
};

WeightsEntry read_entry(Reader& in, std::uint32_t index, std::uint32_t version) {
  const std::size_t start = in.at();
  WeightsEntry e;
  const auto length = in.get<std::uint16_t>("a name length");
  e.name.assign(reinterpret_cast<const char*>(in.take(length, "a name")), length);
  const auto dtype = in.get<std::uint8_t>("a dtype");
  const auto rank = in.get<std::uint8_t>("a rank");
  const std::string where =
      "entry " + std::to_string(index) + " '" + e.name + "' at byte " + std::to_string(start);
  if (dtype != kFloat32 && dtype != kInt64 && (dtype != kText || version < 2)) {
    in.fail(where + ": unknown dtype " + std::to_string(dtype) + ", expected 1 (float32), 2 " +
            "(int64)" + (version < 2 ? "" : " or 3 (text)"));
  }
  if (rank > Shape::kMaxRank || (dtype == kInt64 && rank != 0) || (dtype == kText && rank != 1)) {
    in.fail(where + ": rank " + std::to_string(rank) + " is not supported for dtype " +
            std::to_string(dtype));
  }
  std::vector<Index> dims;
  std::size_t count = 1;
  for (int d = 0; d < rank; ++d) {
    const auto dim = in.get<std::int64_t>("a dimension");
    if (dim < 0 || (dim > 0 && count > in.left() / static_cast<std::size_t>(dim))) {
      in.fail(where + ": dimension " + std::to_string(dim) + " does not fit in the " +
              std::to_string(in.left()) + " bytes left");
    }
    count *= static_cast<std::size_t>(dim);
    dims.push_back(dim);
  }
  if (dtype == kInt64) {
    e.integer = in.get<std::int64_t>("an int64 value");
    e.is_integer = true;
    return e;
  }
  if (dtype == kText) {
    e.text.assign(reinterpret_cast<const char*>(in.take(count, "text")), count);
    e.is_text = true;
    return e;
  }
  const std::uint8_t* data = in.take(count * sizeof(float), "tensor data");
  e.value = Tensor(rank ? Shape(dims) : Shape{});
  if (count) std::memcpy(e.value.data(), data, count * sizeof(float));
  return e;
}

}  // namespace

WeightsEntry WeightsEntry::of_tensor(std::string name, Tensor value) {
  WeightsEntry e;
  e.name = std::move(name);
  e.value = std::move(value);
  return e;
}

WeightsEntry WeightsEntry::of_integer(std::string name, std::int64_t value) {
  WeightsEntry e;
  e.name = std::move(name);
  e.integer = value;
  e.is_integer = true;
  return e;
}

WeightsEntry WeightsEntry::of_text(std::string name, std::string text) {
  WeightsEntry e;
  e.name = std::move(name);
  e.text = std::move(text);
  e.is_text = true;
  return e;
}

void write_weights_file(const std::string& path, const std::vector<WeightsEntry>& entries) {
  const std::vector<std::uint8_t> bytes = encode_weights(entries, "weights file '" + path + "'");
  write_file_atomically(path, bytes.data(), bytes.size());
}

std::vector<WeightsEntry> read_weights_file(const std::string& path) {
  return decode_weights(read_file_bytes(path, "weights file"), path);
}

std::vector<std::uint8_t> encode_weights(const std::vector<WeightsEntry>& entries,
                                         const std::string& what) {
  std::vector<std::uint8_t> out(kMagic, kMagic + sizeof kMagic);
  put(out, kVersion);
  put(out, static_cast<std::uint32_t>(entries.size()));
  for (const WeightsEntry& e : entries) {
    if (e.name.size() > 0xffff) throw Error(what + ": name too long: " + e.name.substr(0, 64));
    put(out, static_cast<std::uint16_t>(e.name.size()));
    out.insert(out.end(), e.name.begin(), e.name.end());
    put(out, e.is_text ? kText : e.is_integer ? kInt64 : kFloat32);
    if (e.is_text) {
      put(out, std::uint8_t{1});
      put(out, static_cast<std::int64_t>(e.text.size()));
      out.insert(out.end(), e.text.begin(), e.text.end());
      continue;
    }
    if (e.is_integer) {
      put(out, std::uint8_t{0});
      put(out, e.integer);
      continue;
    }
    const Shape& s = e.value.shape();
    put(out, static_cast<std::uint8_t>(s.rank()));
    for (int d = 0; d < s.rank(); ++d) put(out, static_cast<std::int64_t>(s[d]));
    const auto* data = reinterpret_cast<const std::uint8_t*>(e.value.data());
    out.insert(out.end(), data, data + e.value.size() * sizeof(float));
  }
  put(out, crc32_of(out.data(), out.size()));
  return out;
}

std::vector<WeightsEntry> decode_weights(const std::vector<std::uint8_t>& bytes,
                                         const std::string& path) {
  const std::string prefix = "weights file '" + path + "': ";
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw Error(prefix + "not a minidl weights file (no \"MINIDLWT\" magic at byte 0)");
  }
  if (bytes.size() < sizeof kMagic + 12) {
    throw Error(prefix + "truncated: " + std::to_string(bytes.size()) +
                " bytes, shorter than the header and checksum");
  }
  const std::size_t body = bytes.size() - 4;
  std::uint32_t stored;
  std::memcpy(&stored, bytes.data() + body, 4);
  const std::uint32_t computed = crc32_of(bytes.data(), body);
  if (stored != computed) {
    throw Error(prefix + "CRC-32 mismatch (stored " + std::to_string(stored) + ", computed " +
                std::to_string(computed) + " over " + std::to_string(body) +
                " bytes): the file is truncated or corrupt");
  }
  Reader in(path, bytes, body);
  in.take(sizeof kMagic, "the magic");
  const auto version = in.get<std::uint32_t>("the version");
  if (version < 1 || version > kVersion) {
    in.fail("version " + std::to_string(version) + " at byte 8, this build reads versions 1 to " +
            std::to_string(kVersion));
  }
  const auto count = in.get<std::uint32_t>("the entry count");
  std::vector<WeightsEntry> entries;
  for (std::uint32_t i = 0; i < count; ++i) entries.push_back(read_entry(in, i, version));
  if (in.left() != 0) {
    in.fail(std::to_string(in.left()) + " unexpected bytes after the last entry, at byte " +
            std::to_string(in.at()));
  }
  return entries;
}

}  // namespace minidl
