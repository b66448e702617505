// Seeded random corruption: every loader, fed mutated versions of a valid file, either loads
// something consistent or throws minidl::Error; nothing crashes, hangs or throws anything else.
#include <functional>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "loader_files.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;

namespace {

constexpr int kRounds = 1000;

// One random mutation: flipped bytes (often in the header), a cut, or appended garbage.
std::vector<std::uint8_t> mutate(std::vector<std::uint8_t> bytes, Generator& rng) {
  switch (rng.below(4)) {
    case 0:
    case 1: {
      const Index flips = 1 + rng.below(8);
      const bool header = rng.below(2) == 0;
      for (Index k = 0; k < flips && !bytes.empty(); ++k) {
        const Index span = header ? std::min<Index>(20, Index(bytes.size())) : Index(bytes.size());
        bytes[std::size_t(rng.below(span))] ^= std::uint8_t(1 + rng.below(255));
      }
      break;
    }
    case 2:
      bytes.resize(std::size_t(rng.below(Index(bytes.size()) + 1)));
      break;
    default:
      for (Index k = 1 + rng.below(64); k > 0; --k) bytes.push_back(std::uint8_t(rng.below(256)));
  }
  return bytes;
}

// Runs `load` on kRounds mutations of `valid`, written to `path` (through `write`), and counts
// the outcomes; a crash ends the test program, any other exception fails here.
void fuzz(const std::string& name, const std::vector<std::uint8_t>& valid,
          const std::function<void(const std::vector<std::uint8_t>&)>& write,
          const std::function<void()>& load, std::uint64_t seed) {
  Generator rng(seed);
  int loaded = 0, refused = 0;
  for (int round = 0; round < kRounds; ++round) {
    write(mutate(valid, rng));
    try {
      load();
      ++loaded;
    } catch (const Error&) {
      ++refused;
    } catch (const std::exception& e) {
      FAIL(name << " round " << round << " threw a non-minidl exception: " << e.what());
    }
  }
  INFO(name << ": " << loaded << " loaded, " << refused << " refused");
  CHECK(loaded + refused == kRounds);
  CHECK(refused > 0);
}

}  // namespace

TEST_CASE("CIFAR loaders survive random corruption") {
  TempDir dir;
  const std::string path = dir.file("batch.bin");
  auto write = [&](const std::vector<std::uint8_t>& b) { write_bytes(path, b); };
  fuzz(
      "CIFAR-10", cifar_bytes(4, 1, 10), write,
      [&] {
        const LabeledImages d = read_cifar10_file(path);
        REQUIRE(Index(d.labels.size()) == d.count());
        for (std::int32_t l : d.labels) REQUIRE((l >= 0 && l < 10));
      },
      1);
  fuzz(
      "CIFAR-100", cifar_bytes(4, 2, 100), write,
      [&] { read_cifar100_file(path, Cifar100Labels::fine); }, 2);
}

TEST_CASE("IDX loaders survive random corruption, raw and gzip") {
  TempDir dir;
  const std::vector<std::uint8_t> images = idx_bytes({6, 8, 8}, idx_image_data(6, 8, 8));
  const std::string raw = dir.file("images"), gz = dir.file("images.gz");
  const auto check_images = [](const std::string& path) {
    return [path] {
      const ImageArray a = read_idx_images(path);
      REQUIRE(a.shape().rank() == 4);
    };
  };
  fuzz(
      "IDX images", images, [&](const std::vector<std::uint8_t>& b) { write_bytes(raw, b); },
      check_images(raw), 3);
  // Mutating the uncompressed bytes tests the parser; mutating the gzip bytes tests zlib's errors.
  fuzz(
      "IDX images gzip, content", images,
      [&](const std::vector<std::uint8_t>& b) { write_gzip(gz, b); }, check_images(gz), 4);
  write_gzip(gz, images);
  fuzz(
      "IDX images gzip, stream", file_bytes(gz),
      [&](const std::vector<std::uint8_t>& b) { write_bytes(gz, b); }, check_images(gz), 5);
  const std::string labels = dir.file("labels");
  fuzz(
      "IDX labels", idx_bytes({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}),
      [&](const std::vector<std::uint8_t>& b) { write_bytes(labels, b); },
      [&] { read_idx_labels(labels, 10); }, 6);
}

TEST_CASE("image reading survives random corruption of a PNG") {
  TempDir dir;
  Tensor image(Shape{12, 10, 3});
  for (Index i = 0; i < image.size(); ++i) image[i] = float((i * 7) % 256);
  const std::string path = dir.file("image.png");
  write_png(path, image);
  fuzz(
      "PNG", file_bytes(path), [&](const std::vector<std::uint8_t>& b) { write_bytes(path, b); },
      [&] { read_image(path, 3); }, 7);
}
