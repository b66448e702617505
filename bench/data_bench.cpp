// Data benchmarks, each the median of `reps` runs:
//   load_fashion_mnist_s    load_fashion_mnist() of the Debian files (train + test, gzip)
//   load_cifar10_s          load_cifar10() of a generated CIFAR-10-sized directory
//                           (5 x 10,000 + 10,000 records, written to a temporary directory)
//   pipeline_gb_s           one pass over those 50,000 images: shuffle + batch 64 + uint8 to
//                           float, in GB of uint8 pixels per second
//   prefetch_epoch_ratio    time of 60 training steps of the reference CNN on batches from
//                           shuffle + batch + prefetch(2), over the same steps on batches made
//                           beforehand (the model alone); the pair's order alternates,
//                           median of the ratios
#include "data_bench.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include <minidl/minidl.hpp>

#include "median.hpp"
#include "reference_cnn.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(const std::function<void()>& work) {
  const auto t0 = Clock::now();
  work();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median_seconds(int reps, const std::function<void()>& work) {
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) times.push_back(seconds(work));
  return median(times);
}

// A CIFAR-10 binary directory of random records in a fresh temporary directory.
std::string write_cifar10_dir() {
  std::string dir = (std::filesystem::temp_directory_path() / "minidl-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) throw minidl::Error("cannot create a temporary directory " + dir);
  minidl::Generator rng(1);
  std::vector<std::uint8_t> bytes(10000 * 3073);
  for (const char* name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                           "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}) {
    for (std::size_t r = 0; r < 10000; ++r) {
      bytes[r * 3073] = std::uint8_t(rng.below(10));
      for (std::size_t p = 1; p < 3073; ++p) bytes[r * 3073 + p] = std::uint8_t(rng.below(256));
    }
    minidl::write_file_atomically(dir + "/" + name, bytes.data(), bytes.size());
  }
  return dir;
}

double prefetch_epoch_ratio(const minidl::LabeledImages& cifar, int reps) {
  constexpr minidl::Index kSteps = 60, kBatch = 64;
  const minidl::Dataset data =
      minidl::Dataset(cifar).take(kSteps * kBatch).shuffle(2).batch(kBatch).prefetch(2);
  std::vector<minidl::Batch> premade;
  for (minidl::Batch& b : data.epoch(0)) premade.push_back(std::move(b));
  minidl::Sequential model = reference_cnn(/*augment=*/false, /*rescale=*/true);
  for (int i = 0; i < 3; ++i) model.train_on_batch(premade[i].x, premade[i].y);  // warm-up
  std::vector<double> ratios;
  for (int r = 0; r < reps; ++r) {
    auto alone = [&] {
      return seconds([&] {
        for (const minidl::Batch& b : premade) model.train_on_batch(b.x, b.y);
      });
    };
    auto piped = [&] {
      return seconds([&] {
        for (minidl::Batch& b : data.epoch(std::uint64_t(r))) model.train_on_batch(b.x, b.y);
      });
    };
    // Alternating which goes first cancels a drift of the machine's speed within a pair.
    const double first = r % 2 ? piped() : alone(), second = r % 2 ? alone() : piped();
    ratios.push_back(r % 2 ? first / second : second / first);
  }
  return median(ratios);
}

}  // namespace

std::vector<std::pair<std::string, double>> run_data_benches(int reps, const std::string& only) {
  std::vector<std::pair<std::string, double>> out;
  auto wanted = [&](const std::string& name) {
    return only.empty() || name.find(only) != std::string::npos;
  };
  struct stat info {};
  const std::string fashion = std::string(minidl::kFashionMnistDir) + "/train-images-idx3-ubyte.gz";
  if (wanted("load_fashion_mnist_s") && ::stat(fashion.c_str(), &info) == 0) {
    out.emplace_back("load_fashion_mnist_s",
                     median_seconds(reps, [] { minidl::load_fashion_mnist(); }));
  }
  if (!wanted("load_cifar10_s") && !wanted("pipeline_gb_s") && !wanted("prefetch_epoch_ratio"))
    return out;
  const std::string dir = write_cifar10_dir();
  minidl::TrainTest cifar;
  const double load = median_seconds(reps, [&] { cifar = minidl::load_cifar10(dir); });
  std::filesystem::remove_all(dir);
  if (wanted("load_cifar10_s")) out.emplace_back("load_cifar10_s", load);
  if (wanted("pipeline_gb_s")) {
    const minidl::Dataset pipeline = minidl::Dataset(cifar.train).shuffle(1).batch(64);
    std::uint64_t epoch = 0;
    const double pass = median_seconds(reps, [&] {
      for (minidl::Batch& b : pipeline.epoch(epoch++)) (void)b;
    });
    out.emplace_back("pipeline_gb_s", double(cifar.train.images.shape().size()) / pass / 1e9);
  }
  if (wanted("prefetch_epoch_ratio"))
    out.emplace_back("prefetch_epoch_ratio", prefetch_epoch_ratio(cifar.train, reps));
  return out;
}
