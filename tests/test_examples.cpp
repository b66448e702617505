// Runs the examples on tiny generated CIFAR-10 files and checks what they write: history.csv with
// one row per epoch, PNGs that decode with the expected size, a test accuracy in [0,1].
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/core.h>
#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "identical.hpp"
#include "loader_files.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;
using Catch::Contains;

namespace {

// A CIFAR-10 directory of 5 x 60 training and 60 test records.
void write_tiny_cifar(const TempDir& dir) {
  for (int b = 1; b <= 5; ++b)
    write_bytes(dir.file("data_batch_" + std::to_string(b) + ".bin"), cifar_bytes(60, 1, 10));
  write_bytes(dir.file("test_batch.bin"), cifar_bytes(60, 1, 10));
}

struct Run {
  int status;
  std::string output;
};

// Runs examples/<name> with `args`, its stdout and stderr captured.
Run run(const TempDir& dir, const std::string& name, const std::string& args) {
  const std::string log = dir.file(name + ".log");
  const std::string command =
      std::string(MINIDL_EXAMPLES_DIR) + "/" + name + " " + args + " > '" + log + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

}  // namespace

TEST_CASE("train_cifar trains on CIFAR files and writes its history as CSV and PNG") {
  TempDir dir;
  write_tiny_cifar(dir);
  const Run r = run(dir, "train_cifar",
                    "--data '" + dir.path() + "' --epochs 2 --batch-size 32 --threads 1 --out '" +
                        dir.file("out") + "'");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Contains("Total params") && Contains("Epoch 2/2"));
  const std::vector<std::string> csv = file_lines(dir.file("out/history.csv"));
  REQUIRE(csv.size() == 3);
  CHECK(csv[0] == "epoch,accuracy,loss,val_accuracy,val_loss");
  CHECK(csv[2].rfind("1,", 0) == 0);
  const ImageArray png = read_image(dir.file("out/history.png"));
  CHECK(png.shape()[1] == 450);
  CHECK(png.shape()[2] == 1100);
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m, std::regex("test accuracy ([0-9.]+)")));
  const double accuracy = std::stod(m[1]);
  CHECK(accuracy >= 0.0);
  CHECK(accuracy <= 1.0);
}

TEST_CASE("train_cifar saves its model, which classify loads (as a model file and as .keras)") {
  TempDir dir;
  write_tiny_cifar(dir);
  const Run r = run(dir, "train_cifar",
                    "--data '" + dir.path() + "' --epochs 1 --batch-size 32 --threads 1 --out '" +
                        dir.file("out") + "'");
  INFO(r.output);
  REQUIRE(r.status == 0);
  std::unique_ptr<Model> model = load_model(dir.file("out/model.minidl"));
  const std::vector<std::string> names = model->metadata()["class_names"];
  REQUIRE(names.size() == 10);
  CHECK(names[0] == "airplane");

  // An image of another size: classify resizes it to the model's 32x32 input.
  Tensor image(Shape{1, 40, 36, 3});
  Generator rng(4);
  for (Index i = 0; i < image.size(); ++i) image[i] = std::round(rng.uniform(0.0f, 255.0f));
  write_png(dir.file("image.png"), image);
  const Tensor resized = Resizing(32, 32)(image, false);
  const Tensor logits = model->predict(resized);
  Index best = 0;
  for (Index c = 1; c < 10; ++c) best = logits[c] > logits[best] ? c : best;
  float total = 0.0f;
  for (Index c = 0; c < 10; ++c) total += std::exp(logits[c] - logits[best]);
  const std::string expected =
      fmt::format("{:5.1f}%  {}", 100.0f / total, names[std::size_t(best)]);

  const Run classified = run(
      dir, "classify", "'" + dir.file("out/model.minidl") + "' '" + dir.file("image.png") + "'");
  INFO(classified.output);
  CHECK(classified.status == 0);
  CHECK_THAT(classified.output, Contains("image.png (40x36 -> 32x32)") && Contains(expected));

  save_keras_model(*model, dir.file("model.keras"));
  const Run keras = run(
      dir, "classify", "'" + dir.file("model.keras") + "' '" + dir.file("image.png") + "' --top 2");
  INFO(keras.output);
  CHECK(keras.status == 0);
  CHECK_THAT(keras.output, Contains(expected));

  const Run bad =
      run(dir, "classify", "'" + dir.file("image.png") + "' '" + dir.file("image.png") + "'");
  CHECK(bad.status == 1);
  CHECK_THAT(bad.output, Contains("image.png") && Contains("not a minidl weights file"));
}

TEST_CASE("train_cifar --recipe randaugment+mixup trains with RandAugment, RandomErasing, MixUp") {
  TempDir dir;
  write_tiny_cifar(dir);
  const Run r = run(dir, "train_cifar",
                    "--data '" + dir.path() +
                        "' --epochs 2 --batch-size 32 --threads 1 --recipe randaugment+mixup "
                        "--out '" +
                        dir.file("out") + "'");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Contains("RandAugment") && Contains("RandomErasing") &&
                           Contains("Epoch 2/2") && Contains("test accuracy"));
  const Run bad = run(dir, "train_cifar", "--recipe autoaugment --data '" + dir.path() + "'");
  CHECK(bad.status != 0);
  CHECK_THAT(bad.output, Contains("recipe"));
}

TEST_CASE("train_cifar --recipe basic+erasing adds RandomErasing to the basic layers") {
  TempDir dir;
  write_tiny_cifar(dir);
  const Run r = run(dir, "train_cifar",
                    "--data '" + dir.path() +
                        "' --epochs 1 --batch-size 32 --threads 1 --recipe basic+erasing --out '" +
                        dir.file("out") + "'");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Contains("RandomFlip") && Contains("RandomRotation") &&
                           Contains("RandomTranslation") && Contains("RandomErasing") &&
                           Contains("test accuracy"));
}

TEST_CASE("train_cifar --resume continues from its checkpoint as if it had never stopped") {
  TempDir dir;
  write_tiny_cifar(dir);
  const std::string common = "--data '" + dir.path() + "' --batch-size 32 --threads 1 --out '";
  const Run whole = run(dir, "train_cifar", common + dir.file("whole") + "' --epochs 2");
  INFO(whole.output);
  REQUIRE(whole.status == 0);
  const Run first = run(dir, "train_cifar", common + dir.file("parts") + "' --epochs 1");
  REQUIRE(first.status == 0);
  const Run rest = run(dir, "train_cifar", common + dir.file("parts") + "' --epochs 2 --resume 1");
  INFO(rest.output);
  REQUIRE(rest.status == 0);
  CHECK_THAT(rest.output, Contains("Epoch 2/2") && !Contains("Epoch 1/2"));
  CHECK(identical(load_model(dir.file("whole/model.minidl"))->get_weights(),
                  load_model(dir.file("parts/model.minidl"))->get_weights()));
  CHECK(file_lines(dir.file("parts/history.csv")).size() == 3);
}

#ifdef MINIDL_TEST_MPIRUN
TEST_CASE("train_cifar under mpirun trains on 2 processes, rank 0 alone printing and writing") {
  TempDir dir;
  write_tiny_cifar(dir);
  const std::string command = std::string(MINIDL_TEST_MPIRUN) + " -n 2 " + MINIDL_EXAMPLES_DIR +
                              "/train_cifar --data '" + dir.path() +
                              "' --epochs 2 --batch-size 32 --out '" + dir.file("out") + "' > '" +
                              dir.file("mpi.log") + "' 2>&1";
  const int status = std::system(command.c_str());
  const std::vector<std::string> lines = file_lines(dir.file("mpi.log"));
  std::string output;
  for (const std::string& line : lines) output += line + "\n";
  INFO(output);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK_THAT(output, Contains("threads in each of 2 processes"));
  const auto count = [&](const std::string& text) {
    Index n = 0;
    for (std::size_t at = output.find(text); at != std::string::npos;
         at = output.find(text, at + 1))
      ++n;
    return n;
  };
  CHECK(count("CIFAR-10 from") == 1);
  CHECK(count("Total params") == 1);
  CHECK(count("test accuracy") == 1);
  CHECK(file_lines(dir.file("out/history.csv")).size() == 3);
  CHECK(load_model(dir.file("out/model.minidl"))->get_weights().size() > 0);
}
#endif

TEST_CASE("custom_layer trains a user layer, saves it in a model file and loads it back") {
  TempDir dir;
  const Run r = run(dir, "custom_layer", "--out '" + dir.file("out") + "'");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("predictions identical"));
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m, std::regex("accuracy ([0-9.]+)")));
  CHECK(std::stod(m[1]) >= 0.9);
}

TEST_CASE("train_cifar --model resnet20 trains ResNet-20 on CIFAR files") {
  TempDir dir;
  write_tiny_cifar(dir);
  const Run r = run(dir, "train_cifar",
                    "--model resnet20 --data '" + dir.path() +
                        "' --epochs 1 --batch-size 16 --threads 1 --out '" + dir.file("out") + "'");
  INFO(r.output);
  REQUIRE(r.status == 0);
  // The graph's summary (a "Connected to" column, the residual additions) and one epoch of SGD.
  CHECK_THAT(r.output, Contains("resnet20_augmented") && Contains("Connected to") &&
                           Contains("add_8 (Add)") && Contains("Total params: 274,042") &&
                           Contains("Epoch 1/1"));
  CHECK(file_lines(dir.file("out/history.csv")).size() == 2);
  const Run bad = run(dir, "train_cifar", "--model resnet56 --data '" + dir.path() + "'");
  CHECK(bad.status != 0);
  CHECK_THAT(bad.output, Contains("--model"));
}

TEST_CASE("train_cifar has --help and reports a bad data directory") {
  TempDir dir;
  const Run help = run(dir, "train_cifar", "--help");
  CHECK(help.status == 0);
  CHECK_THAT(help.output, Contains("--epochs") && Contains("--no-augment") && Contains("--seed"));
  const Run bad = run(dir, "train_cifar", "--data '" + dir.file("none") + "'");
  CHECK(bad.status == 1);
  CHECK_THAT(bad.output, Contains("data_batch_1.bin") && Contains("cannot open"));
}

TEST_CASE("augment_preview writes a grid of the original and one column per epoch") {
  TempDir dir;
  write_tiny_cifar(dir);
  const Run r =
      run(dir, "augment_preview",
          "--data '" + dir.path() + "' --images 3 --epochs 2 --out '" + dir.file("out") + "'");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const ImageArray png = read_image(dir.file("out/augment_preview.png"));
  // 3 rows of 32x32 images enlarged 3 times, 6-pixel gaps, a 26-pixel header row of labels.
  CHECK(png.shape()[1] == 26 + 3 * (96 + 6) + 6);
  CHECK(png.shape()[2] > 3 * (96 + 6));
  CHECK_THAT(r.output, Contains("epoch 2:") && Contains("deg"));
  // --masks: the same grid, in colour, with the masks and boxes drawn (pure green outlines).
  const Run m = run(dir, "augment_preview",
                    "--data '" + dir.path() + "' --images 3 --epochs 2 --masks --out '" +
                        dir.file("masks") + "'");
  INFO(m.output);
  REQUIRE(m.status == 0);
  const ImageArray colour = read_image(dir.file("masks/augment_preview.png"));
  CHECK(colour.shape()[1] == png.shape()[1]);
  Index green = 0;
  for (Index p = 0; p < colour.shape()[1] * colour.shape()[2]; ++p) {
    const std::uint8_t* px = colour.data() + p * colour.shape()[3];
    green += px[0] == 0 && px[1] == 255 && px[2] == 0;
  }
  CHECK(green > 100);
}

TEST_CASE("epoch_semantics prints the distributions and its checks hold") {
  TempDir dir;
  write_tiny_cifar(dir);
  const Run r = run(dir, "epoch_semantics", "--data '" + dir.path() + "' --images 200 --epochs 4");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("Binomial(4, 0.5)") && Contains("all checks hold") &&
                           Contains("0 values differ from x"));
}
