// minidl_bench: throughput of the reference CNN, printed as one JSON object.
//   minidl_bench [--threads N] [--reps R] [--only NAME] [--layers | --data]
// --layers prints instead the median forward and backward milliseconds of each layer of one
// training step (the profile behind train_images_per_s).
// Reference CNN (batch 64, 32x32x3, 10 classes, Adam 1e-3, sparse CE from logits):
//   [RandomFlip("horizontal") RandomRotation(0.1)]  only for train_aug_images_per_s
//   Conv2D(32,3,same,relu) MaxPooling2D(2) Conv2D(64,3,same,relu) MaxPooling2D(2) Flatten
//   Dense(128,relu) Dense(10)
// --data runs instead the data benchmarks of data_bench.cpp (loaders, pipeline, prefetch).
// Each model measurement is timed in blocks of about 0.7 s, round-robin over the measurements (as
// the PyTorch peer does), R blocks each; the median block rate is reported with min and max.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <minidl/minidl.hpp>

#include "data_bench.hpp"
#include "median.hpp"
#include "reference_cnn.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr minidl::Index kBatch = 64, kInferBatch = 256;

// Multiply-adds x2 of one training step per image: forward, input gradients (none for the first
// layer) and weight gradients.
double train_flops_per_image() {
  const double conv1 = 2.0 * 32 * 32 * 27 * 32, conv2 = 2.0 * 16 * 16 * 288 * 64;
  const double dense1 = 2.0 * 4096 * 128, dense2 = 2.0 * 128 * 10;
  const double forward = conv1 + conv2 + dense1 + dense2;
  return forward + (forward - conv1) + forward;
}

minidl::Tensor uniform(const minidl::Shape& shape, std::uint64_t seed, float high) {
  minidl::Generator rng(seed);
  minidl::Tensor t(shape);
  for (minidl::Index i = 0; i < t.size(); ++i) t[i] = rng.uniform(0.0f, high);
  return t;
}

struct Bench {
  std::string name;
  std::function<void()> run;
  minidl::Index images_per_call;
  int calls_per_block = 1;
  std::vector<double> rates;
};

void run_round_robin(std::vector<Bench>& benches, int reps) {
  for (Bench& b : benches) {
    for (int i = 0; i < 3; ++i) b.run();  // warm-up: buffers, caches, thread pools
    const auto t0 = Clock::now();
    b.run();
    const double one = std::chrono::duration<double>(Clock::now() - t0).count();
    b.calls_per_block = std::max(1, static_cast<int>(0.7 / std::max(one, 1e-6)));
  }
  for (int r = 0; r < reps; ++r) {
    for (Bench& b : benches) {
      const auto t0 = Clock::now();
      for (int i = 0; i < b.calls_per_block; ++i) b.run();
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      b.rates.push_back(b.calls_per_block * b.images_per_call / s);
    }
  }
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Median per-layer forward/backward times of training steps, layer by layer as fit runs them.
void print_layer_profile(minidl::Sequential& model, const minidl::Tensor& x, int reps) {
  const std::size_t n = model.size();
  std::vector<std::vector<double>> fwd(n), bwd(n);
  std::vector<double> loss_ms;
  minidl::SparseCategoricalCrossentropy loss(/*from_logits=*/true);
  minidl::Tensor y(minidl::Shape{x.dim(0)});
  for (minidl::Index i = 0; i < y.size(); ++i) y[i] = static_cast<float>(i % 10);
  for (int r = 0; r < 5 + reps * 20; ++r) {
    std::vector<minidl::Tensor> acts;
    for (std::size_t i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      acts.push_back(model.layer(i).forward(i ? acts.back() : x, /*training=*/true));
      fwd[i].push_back(ms_since(t0));
    }
    auto t0 = Clock::now();
    loss.forward(acts.back(), y);
    minidl::Tensor g = loss.backward();
    loss_ms.push_back(ms_since(t0));
    for (std::size_t i = n; i-- > 0;) {
      t0 = Clock::now();
      g = model.layer(i).backward(g);
      bwd[i].push_back(ms_since(t0));
      if (g.empty()) break;
    }
  }
  fmt::print("{{\n  \"threads\": {},\n  \"blas_core\": \"{}\",\n  \"layers_ms\": [\n",
             minidl::num_threads(), minidl::blas_core_name());
  for (std::size_t i = 0; i < n; ++i) {
    fmt::print("    {{\"layer\": \"{}\", \"forward\": {:.3f}, \"backward\": {:.3f}}},\n",
               model.layer(i).name(), median(fwd[i]), bwd[i].empty() ? 0.0 : median(bwd[i]));
  }
  fmt::print("    {{\"layer\": \"loss\", \"forward\": {:.3f}, \"backward\": 0}}\n  ]\n}}\n",
             median(loss_ms));
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, reps = 9;
  std::string only;
  bool layers = false, data = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--layers") || !std::strcmp(argv[i], "--data")) {
      (argv[i][2] == 'l' ? layers : data) = true;
      continue;
    }
    if (i + 1 == argc) break;
    if (!std::strcmp(argv[i], "--threads"))
      threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps"))
      reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--only"))
      only = argv[++i];
  }
  minidl::set_num_threads(threads);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  if (data) {
    fmt::print("{{\n  \"threads\": {},\n  \"OPENBLAS_CORETYPE\": \"{}\",\n  \"reps\": {},\n",
               minidl::num_threads(), coretype ? coretype : "", reps);
    for (const auto& [name, value] : run_data_benches(reps, only))
      fmt::print("  \"{}\": {:.4g},\n", name, value);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    fmt::print("  \"peak_rss_mb\": {:.1f}\n}}\n", usage.ru_maxrss / 1024.0);
    return 0;
  }

  minidl::Sequential model = reference_cnn();
  const minidl::Tensor x = uniform(minidl::Shape{kBatch, 32, 32, 3}, 1, 1.0f);
  minidl::Tensor y(minidl::Shape{kBatch});
  for (minidl::Index i = 0; i < kBatch; ++i) y[i] = static_cast<float>(i % 10);
  const minidl::Tensor xi = uniform(minidl::Shape{kInferBatch, 32, 32, 3}, 2, 1.0f);
  if (layers) {
    print_layer_profile(model, x, reps);
    return 0;
  }

  minidl::Sequential augmented = reference_cnn(/*augment=*/true);
  minidl::RandomFlip flip("horizontal");
  minidl::RandomRotation rotation(0.1f);
  std::vector<Bench> all;
  all.push_back({"train_images_per_s", [&] { model.train_on_batch(x, y); }, kBatch});
  all.push_back({"train_aug_images_per_s", [&] { augmented.train_on_batch(x, y); }, kBatch});
  all.push_back({"augment_images_per_s",
                 [&] { rotation(flip(x, /*training=*/true), /*training=*/true); }, kBatch});
  all.push_back({"infer_images_per_s", [&] { model.predict(xi, kInferBatch); }, kInferBatch});
  std::vector<Bench> benches;
  for (Bench& b : all) {
    if (only.empty() || b.name.find(only) != std::string::npos) benches.push_back(std::move(b));
  }
  run_round_robin(benches, reps);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  fmt::print(
      "{{\n  \"threads\": {},\n  \"blas_core\": \"{}\",\n  \"gemm_kernel\": \"{}\",\n  "
      "\"OPENBLAS_CORETYPE\": \"{}\",\n",
      minidl::num_threads(), minidl::blas_core_name(), minidl::gemm_kernel_name(),
      coretype ? coretype : "");
  fmt::print("  \"batch\": {},\n  \"reps\": {},\n", kBatch, reps);
  for (const Bench& b : benches) {
    const auto [lo, hi] = std::minmax_element(b.rates.begin(), b.rates.end());
    fmt::print("  \"{}\": {:.1f},\n  \"{}_min\": {:.1f},\n  \"{}_max\": {:.1f},\n", b.name,
               median(b.rates), b.name, *lo, b.name, *hi);
    if (b.name == "train_images_per_s") {
      fmt::print("  \"train_gflops\": {:.1f},\n", median(b.rates) * train_flops_per_image() / 1e9);
    }
  }
  fmt::print("  \"peak_rss_mb\": {:.1f}\n}}\n", usage.ru_maxrss / 1024.0);
  return 0;
}
