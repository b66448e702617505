#include <minidl/data/cifar.hpp>

#include <fstream>

#include <minidl/core/error.hpp>
#include <minidl/core/file_io.hpp>

namespace minidl {
namespace {

constexpr Index kSide = 32;
constexpr Index kPlane = kSide * kSide;
constexpr Index kPixels = 3 * kPlane;

struct Format {
  const char* name;   // "CIFAR-10 file"
  Index label_bytes;  // label bytes before the pixels of each record
  Index label_at;     // which of them is the label used
  std::int32_t classes;
};

LabeledImages read_records(const std::string& path, const Format& format) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path, format.name);
  const Index record = format.label_bytes + kPixels;
  const Index size = static_cast<Index>(bytes.size());
  if (size == 0 || size % record != 0) {
    throw Error(std::string(format.name) + " '" + path + "': size " + std::to_string(size) +
                " bytes is not a whole number of " + std::to_string(record) + "-byte records (" +
                std::to_string(size / record) + " records and " + std::to_string(size % record) +
                " bytes)");
  }
  const Index n = size / record;
  LabeledImages out;
  out.images = ImageArray({n, kSide, kSide, 3});
  out.labels.resize(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const std::uint8_t* rec = bytes.data() + i * record;
    const std::int32_t label = rec[format.label_at];
    if (label >= format.classes) {
      throw Error(std::string(format.name) + " '" + path + "': record " + std::to_string(i) +
                  " at byte " + std::to_string(i * record + format.label_at) + ": label " +
                  std::to_string(label) + " out of range [0," + std::to_string(format.classes) +
                  ")");
    }
    out.labels[i] = label;
    // Planar RGB to interleaved HWC.
    const std::uint8_t* planes = rec + format.label_bytes;
    std::uint8_t* dst = out.images.image(i);
    for (Index p = 0; p < kPlane; ++p) {
      dst[3 * p] = planes[p];
      dst[3 * p + 1] = planes[kPlane + p];
      dst[3 * p + 2] = planes[2 * kPlane + p];
    }
  }
  return out;
}

// One name per line; empty when the file is absent.
std::vector<std::string> read_names(const std::string& path) {
  std::vector<std::string> names;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// The names listed in `names_file` when it has one per class, otherwise `fallback`.
void set_class_names(TrainTest& data, const std::string& names_file,
                     std::vector<std::string> fallback) {
  std::vector<std::string> names = read_names(names_file);
  if (names.size() != fallback.size()) names = std::move(fallback);
  data.train.class_names = names;
  data.test.class_names = std::move(names);
}

std::vector<std::string> numbered_names(std::int32_t classes) {
  std::vector<std::string> names;
  for (std::int32_t c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  return names;
}

const Format kCifar10{"CIFAR-10 file", 1, 0, 10};
const std::vector<std::string> kCifar10Names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                "dog",      "frog",       "horse", "ship", "truck"};

}  // namespace

LabeledImages read_cifar10_file(const std::string& path) {
  LabeledImages out = read_records(path, kCifar10);
  out.class_names = kCifar10Names;
  return out;
}

LabeledImages read_cifar100_file(const std::string& path, Cifar100Labels labels) {
  const bool fine = labels == Cifar100Labels::fine;
  LabeledImages out = read_records(path, {"CIFAR-100 file", 2, fine ? 1 : 0, fine ? 100 : 20});
  out.class_names = numbered_names(fine ? 100 : 20);
  return out;
}

TrainTest load_cifar10(const std::string& dir) {
  TrainTest data;
  std::vector<LabeledImages> parts;
  Index total = 0;
  for (int b = 1; b <= 5; ++b) {
    parts.push_back(read_records(dir + "/data_batch_" + std::to_string(b) + ".bin", kCifar10));
    total += parts.back().count();
  }
  data.train.images = ImageArray({total, kSide, kSide, 3});
  Index at = 0;
  for (const LabeledImages& part : parts) {
    std::copy(part.images.data(), part.images.data() + part.images.shape().size(),
              data.train.images.image(at));
    data.train.labels.insert(data.train.labels.end(), part.labels.begin(), part.labels.end());
    at += part.count();
  }
  data.test = read_records(dir + "/test_batch.bin", kCifar10);
  set_class_names(data, dir + "/batches.meta.txt", kCifar10Names);
  return data;
}

TrainTest load_cifar100(const std::string& dir, Cifar100Labels labels) {
  TrainTest data;
  data.train = read_cifar100_file(dir + "/train.bin", labels);
  data.test = read_cifar100_file(dir + "/test.bin", labels);
  const bool fine = labels == Cifar100Labels::fine;
  set_class_names(data, dir + (fine ? "/fine_label_names.txt" : "/coarse_label_names.txt"),
                  numbered_names(fine ? 100 : 20));
  return data;
}

}  // namespace minidl
