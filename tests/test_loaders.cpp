// Loaders and image I/O against files the tests write: what loads, and what error a bad file
// gives (naming the file and the byte offset or record).
#include <filesystem>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "loader_files.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;
using Catch::Contains;

TEST_CASE("a CIFAR-10 file loads as NHWC images with their labels") {
  TempDir dir;
  write_bytes(dir.file("b.bin"), cifar_bytes(12, 1, 10));
  const LabeledImages data = read_cifar10_file(dir.file("b.bin"));
  REQUIRE(data.images.shape() == Shape{12, 32, 32, 3});
  REQUIRE(data.labels.size() == 12);
  CHECK(data.class_names.at(9) == "truck");
  for (Index i : {0, 5, 11}) {
    CHECK(data.labels[i] == i % 10);
    for (Index row : {0, 17, 31}) {
      for (Index col : {0, 9, 31}) {
        for (Index c = 0; c < 3; ++c) {
          const std::uint8_t expected = cifar_pixel(i, c * 1024 + row * 32 + col);
          CHECK(data.images.image(i)[(row * 32 + col) * 3 + c] == expected);
        }
      }
    }
  }
}

TEST_CASE("CIFAR-10 and CIFAR-100 directories load their train and test splits") {
  TempDir dir;
  for (int b = 1; b <= 5; ++b) {
    write_bytes(dir.file("data_batch_" + std::to_string(b) + ".bin"), cifar_bytes(3 + b, 1, 10));
  }
  write_bytes(dir.file("test_batch.bin"), cifar_bytes(4, 1, 10));
  write_bytes(dir.file("batches.meta.txt"), {'a', '\n', 'b', '\n'});  // not one name per class
  const TrainTest ten = load_cifar10(dir.path());
  CHECK(ten.train.count() == 4 + 5 + 6 + 7 + 8);
  CHECK(ten.test.count() == 4);
  // The third batch's first record follows the 4 + 5 records of the first two.
  CHECK(ten.train.images.image(9)[0] == cifar_pixel(0, 0));
  CHECK(ten.train.images.image(10)[0] == cifar_pixel(1, 0));
  CHECK(ten.train.class_names.at(0) == "airplane");

  write_bytes(dir.file("train.bin"), cifar_bytes(30, 2, 100));
  write_bytes(dir.file("test.bin"), cifar_bytes(5, 2, 100));
  const TrainTest fine = load_cifar100(dir.path(), Cifar100Labels::fine);
  const TrainTest coarse = load_cifar100(dir.path(), Cifar100Labels::coarse);
  CHECK(fine.train.count() == 30);
  CHECK(fine.train.labels[25] == 25);
  CHECK(coarse.train.labels[25] == 5);
  CHECK(fine.train.class_names.size() == 100);
  CHECK(coarse.test.class_names.size() == 20);
  CHECK(fine.train.images.image(25)[3 * 40 + 1] == cifar_pixel(25, 1024 + 40));
}

TEST_CASE("bad CIFAR files name the file and the record or size") {
  TempDir dir;
  const std::string path = dir.file("data_batch_1.bin");
  CHECK_THROWS_WITH(read_cifar10_file(path), Contains(path) && Contains("cannot open"));
  std::vector<std::uint8_t> bytes = cifar_bytes(3, 1, 10);
  bytes.resize(bytes.size() - 100);  // truncated last record
  write_bytes(path, bytes);
  CHECK_THROWS_WITH(read_cifar10_file(path),
                    Contains(path) && Contains("not a whole number of 3073-byte records") &&
                        Contains("2 records and 2973 bytes"));
  write_bytes(path, {});
  CHECK_THROWS_WITH(read_cifar10_file(path), Contains("size 0 bytes"));
  bytes = cifar_bytes(3, 1, 10);
  bytes[2 * 3073] = 10;  // label of record 2
  write_bytes(path, bytes);
  CHECK_THROWS_WITH(read_cifar10_file(path), Contains("record 2 at byte 6146: label 10 out of "
                                                      "range [0,10)"));
  bytes = cifar_bytes(2, 2, 100);
  bytes[3074 + 1] = 100;  // fine label of record 1
  write_bytes(dir.file("train.bin"), bytes);
  CHECK_THROWS_WITH(read_cifar100_file(dir.file("train.bin"), Cifar100Labels::fine),
                    Contains("CIFAR-100 file") && Contains("record 1 at byte 3075"));
  // A directory missing a batch fails as a whole, naming the missing file.
  write_bytes(path, cifar_bytes(2, 1, 10));
  CHECK_THROWS_WITH(load_cifar10(dir.path()), Contains("data_batch_2.bin"));
}

TEST_CASE("IDX files load raw and gzip-compressed") {
  TempDir dir;
  const std::vector<std::uint8_t> images = idx_bytes({5, 4, 3}, idx_image_data(5, 4, 3));
  const std::vector<std::uint8_t> labels = idx_bytes({5}, {3, 1, 4, 1, 5});
  write_bytes(dir.file("raw-images"), images);
  write_gzip(dir.file("images.gz"), images);
  for (const std::string& name : {"raw-images", "images.gz"}) {
    const ImageArray a = read_idx_images(dir.file(name));
    REQUIRE(a.shape() == Shape{5, 4, 3, 1});
    for (Index i = 0; i < 5; ++i) {
      for (Index p = 0; p < 12; ++p) CHECK(a.image(i)[p] == std::uint8_t((i * 31 + p) % 256));
    }
  }
  write_gzip(dir.file("labels.gz"), labels);
  CHECK(read_idx_labels(dir.file("labels.gz"), 10) == std::vector<std::int32_t>{3, 1, 4, 1, 5});

  // A Fashion-MNIST directory with .gz files for training and raw ones for the test split.
  write_gzip(dir.file("train-images-idx3-ubyte.gz"), images);
  write_gzip(dir.file("train-labels-idx1-ubyte.gz"), labels);
  write_bytes(dir.file("t10k-images-idx3-ubyte"), idx_bytes({2, 4, 3}, idx_image_data(2, 4, 3)));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({2}, {9, 0}));
  const TrainTest f = load_fashion_mnist(dir.path());
  CHECK(f.train.count() == 5);
  CHECK(f.test.labels == std::vector<std::int32_t>{9, 0});
  CHECK(f.test.class_names.at(9) == "Ankle boot");
  // Images and labels that disagree in count.
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({3}, {9, 0, 1}));
  CHECK_THROWS_WITH(load_fashion_mnist(dir.path()),
                    Contains("2 images but 3 labels") && Contains("t10k-labels-idx1-ubyte"));
}

TEST_CASE("bad IDX files name the file and the byte") {
  TempDir dir;
  const std::string path = dir.file("f.idx");
  auto fails_with = [&](const std::vector<std::uint8_t>& bytes, const std::string& text) {
    write_bytes(path, bytes);
    CHECK_THROWS_WITH(read_idx_images(path), Contains(path) && Contains(text));
  };
  std::vector<std::uint8_t> good = idx_bytes({2, 3, 3}, idx_image_data(2, 3, 3));
  fails_with({0, 0}, "truncated: 2 bytes");
  fails_with(idx_bytes({2}, {1, 2}),
             "wrong magic number 0x00000801 at byte 0, expected 0x00000803");
  std::vector<std::uint8_t> bad_type = good;
  bad_type[2] = 0x0d;
  fails_with(bad_type, "data type 0x0d at byte 2 is not supported");
  fails_with({0, 0, 8, 3, 0, 0, 0, 2}, "truncated header: 8 bytes, the dimensions end at byte 16");
  std::vector<std::uint8_t> cut = good;
  cut.pop_back();
  fails_with(cut,
             "truncated: the header declares 2x3x3 = 18 data bytes from byte 16, the file "
             "has 17");
  std::vector<std::uint8_t> longer = good;
  longer.push_back(0);
  fails_with(longer, "trailing bytes");
  // A corrupt header that declares an absurd size.
  fails_with(idx_bytes({0xffffffff, 0xffffffff, 0xffffffff}, {}), "truncated");
  write_bytes(path, idx_bytes({3}, {1, 12, 2}));
  CHECK_THROWS_WITH(read_idx_labels(path, 10),
                    Contains("record 1 at byte 9: label 12 out of range [0,10)"));
  // gzip streams cut short or corrupted.
  std::vector<std::uint8_t> big = idx_bytes({50, 28, 28}, idx_image_data(50, 28, 28));
  write_gzip(dir.file("big.gz"), big);
  std::vector<std::uint8_t> gz = file_bytes(dir.file("big.gz"));
  write_bytes(dir.file("cut.gz"),
              std::vector<std::uint8_t>(gz.begin(), gz.begin() + gz.size() / 2));
  CHECK_THROWS_WITH(read_idx_images(dir.file("cut.gz")),
                    Contains("cut.gz") && Contains("gzip stream ends early"));
  CHECK_THROWS_WITH(read_idx_images(dir.file("missing.gz")),
                    Contains("missing.gz") && Contains("cannot open"));
}

TEST_CASE("PNG writing round-trips through reading, one image and a grid") {
  TempDir dir;
  Tensor image(Shape{5, 7, 3});
  for (Index i = 0; i < image.size(); ++i) image[i] = float((i * 13) % 256);
  image[0] = -4.0f;   // clamped to 0
  image[1] = 300.0f;  // clamped to 255
  image[2] = 12.6f;   // rounded to 13
  write_png(dir.file("one.png"), image);
  const ImageArray back = read_image(dir.file("one.png"));
  REQUIRE(back.shape() == Shape{1, 5, 7, 3});
  CHECK(back.data()[0] == 0);
  CHECK(back.data()[1] == 255);
  CHECK(back.data()[2] == 13);
  for (Index i = 3; i < image.size(); ++i) CHECK(back.data()[i] == std::uint8_t(image[i]));
  CHECK(read_image(dir.file("one.png"), 1).shape() == Shape{1, 5, 7, 1});

  // 5 images of 4x3 in 2 columns with padding 1: 3 rows -> (3*4+4) x (2*3+3).
  Tensor images(Shape{5, 4, 3, 1});
  for (Index i = 0; i < images.size(); ++i) images[i] = float(i / 12 * 40);
  write_png_grid(dir.file("grid.png"), images, 2, 1, 255.0f);
  const ImageArray grid = read_image(dir.file("grid.png"));
  REQUIRE(grid.shape() == Shape{1, 16, 9, 1});
  auto at = [&](Index y, Index x) { return grid.data()[y * 9 + x]; };
  CHECK(at(0, 0) == 255);   // padding
  CHECK(at(1, 1) == 0);     // image 0
  CHECK(at(1, 5) == 40);    // image 1, right column
  CHECK(at(6, 1) == 80);    // image 2, second row
  CHECK(at(11, 1) == 160);  // image 4, third row
  CHECK(at(11, 5) == 255);  // no image 5: background
  CHECK_THROWS_WITH(write_png(dir.file("x.png"), Tensor(Shape{2, 4, 4, 3})),
                    Contains("expected one image"));
  CHECK_THROWS_WITH(write_png_grid(dir.file("x.png"), images, 0), Contains("columns >= 1"));
  CHECK_THROWS_WITH(write_png(dir.file("no/such/dir/x.png"), image), Contains("x.png"));
}

TEST_CASE("an image folder loads one class per sub-folder, and names a bad image") {
  TempDir dir;
  std::filesystem::create_directories(dir.file("cats"));
  std::filesystem::create_directories(dir.file("dogs"));
  Tensor image(Shape{6, 5, 3});
  for (Index k = 0; k < 3; ++k) {
    image.fill(float(10 * k));
    write_png(dir.file(k < 2 ? "dogs/" : "cats/") + std::to_string(k) + ".png", image);
  }
  write_bytes(dir.file("dogs/notes.txt"), {'h', 'i'});  // not an image: skipped
  const LabeledImages data = load_image_folder(dir.path());
  CHECK(data.class_names == std::vector<std::string>{"cats", "dogs"});
  CHECK(data.labels == std::vector<std::int32_t>{0, 1, 1});
  REQUIRE(data.images.shape() == Shape{3, 6, 5, 3});
  CHECK(data.images.image(0)[0] == 20);  // cats/2.png
  CHECK(data.images.image(2)[7] == 10);  // dogs/1.png
  CHECK(load_image_folder(dir.path(), 1).images.shape() == Shape{3, 6, 5, 1});

  write_png(dir.file("dogs/small.png"), Tensor(Shape{4, 4, 3}, 0.0f));
  CHECK_THROWS_WITH(load_image_folder(dir.path()),
                    Contains("dogs/small.png") && Contains("(4,4,3)") && Contains("(6,5,3)"));
  std::filesystem::remove(dir.file("dogs/small.png"));
  write_bytes(dir.file("dogs/broken.png"), {0x89, 'P', 'N', 'G', 1, 2, 3});
  CHECK_THROWS_WITH(load_image_folder(dir.path()),
                    Contains("dogs/broken.png") && Contains("cannot decode"));
  std::filesystem::remove(dir.file("dogs/broken.png"));
  TempDir empty;
  CHECK_THROWS_WITH(load_image_folder(empty.path()), Contains("no images found"));
  CHECK_THROWS_WITH(load_image_folder(dir.file("none")), Contains("not a directory"));
}

TEST_CASE("an image folder with image_size resizes every image as Resizing does") {
  TempDir dir;
  std::filesystem::create_directories(dir.file("a"));
  std::filesystem::create_directories(dir.file("b"));
  Tensor ramp(Shape{1, 2, 1});
  ramp[0] = 0.0f;
  ramp[1] = 100.0f;
  write_png(dir.file("a/ramp.png"), ramp);
  write_png(dir.file("b/flat.png"), Tensor(Shape{3, 5, 1}, 200.0f));
  // Bilinear from 2 columns to 4 samples at (i + 0.5) / 2 - 0.5 = -0.25 (clamped), 0.25, 0.75,
  // 1.25 (clamped): 0, 25, 75, 100. Nearest takes floor((i + 0.5) / 2): 0, 0, 100, 100.
  const LabeledImages bilinear = load_image_folder(dir.path(), 1, Size2{1, 4});
  REQUIRE(bilinear.images.shape() == Shape{2, 1, 4, 1});
  const std::uint8_t* r = bilinear.images.image(0);
  CHECK(std::vector<int>(r, r + 4) == std::vector<int>{0, 25, 75, 100});
  const std::uint8_t* f = bilinear.images.image(1);
  CHECK(std::vector<int>(f, f + 4) == std::vector<int>{200, 200, 200, 200});
  const LabeledImages nearest = load_image_folder(dir.path(), 1, Size2{1, 4}, "nearest");
  const std::uint8_t* n = nearest.images.image(0);
  CHECK(std::vector<int>(n, n + 4) == std::vector<int>{0, 0, 100, 100});
  CHECK_THROWS_WITH(load_image_folder(dir.path(), 1), Contains("image_size"));
  CHECK_THROWS_WITH(load_image_folder(dir.path(), 1, Size2{0, 4}), Contains("image_size"));
  CHECK_THROWS_WITH(load_image_folder(dir.path(), 1, Size2{1, 4}, "cubic"), Contains("cubic"));
}
