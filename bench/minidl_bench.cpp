// minidl_bench: throughput of the reference CNN and of ResNet-20, printed as one JSON object.
//   minidl_bench [--threads N] [--reps R] [--only NAME[,NAME...]]
//                [--layers [--model cnn|resnet20] [--policy mixed_bfloat16] | --data | --augment]
// --layers prints instead the median forward and backward milliseconds of each layer of one
// training step (the profile behind train_images_per_s, or resnet20_train_images_per_s).
// ResNet-20 (minidl::resnet20, 32x32x3, 10 classes): training at batch 128 with SGD momentum 0.9,
// inference at batch 256. peak_rss_mb is the process's: run one --only NAME per process to
// compare one workload's memory.
// Reference CNN (batch 64, 32x32x3, 10 classes, Adam 1e-3, sparse CE from logits):
//   [RandomFlip("horizontal") RandomRotation(0.1)]  only for train_aug_images_per_s
//   Conv2D(32,3,same,relu) MaxPooling2D(2) Conv2D(64,3,same,relu) MaxPooling2D(2) Flatten
//   Dense(128,relu) Dense(10)
// --data runs instead the data benchmarks of data_bench.cpp (loaders, pipeline, prefetch);
// --augment the augmentation layers of augment_bench.cpp.
// --only keeps the measurements a NAME names exactly, or else those whose names contain it.
// Each model measurement is timed in blocks of about 0.7 s, round-robin over the measurements (as
// the PyTorch peer does), R blocks each; the median block rate is reported with min and max.
// kernel_isa is the tier of the convolution kernels: the best this CPU runs, or MINIDL_ISA=avx2
// (or portable) to measure a lower one.
// The *_bf16_* measurements run the same models under the mixed_bfloat16 dtype policy
// (core/dtype_policy.hpp), with the bfloat16 kernel bf16_kernel names (MINIDL_BF16_KERNEL lowers
// it); fraction_of_peak stays the float32 measure.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <minidl/minidl.hpp>

#include "augment_bench.hpp"
#include "data_bench.hpp"
#include "fma_peak.hpp"
#include "median.hpp"
#include "reference_cnn.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr minidl::Index kBatch = 64, kInferBatch = 256, kResNetBatch = 128;

// Multiply-adds x2 of one training step per image: forward, input gradients (none for the first
// layer with weights, which reads the input) and weight gradients. Every layer with a "kernel"
// does kernel-size multiply-adds per output pixel (Conv2D, DepthwiseConv2D; Dense has one pixel).
double train_flops_per_image(minidl::Model& model) {
  double forward = 0.0, first = -1.0;
  for (std::size_t i = 0; i < model.size(); ++i) {
    minidl::Layer& l = model.layer(i);
    for (minidl::Parameter* p : l.parameters()) {
      if (p->name != "kernel") continue;
      const minidl::Shape& out = l.output_shape();
      const double pixels = out.rank() == 3 ? double(out[0]) * out[1] : 1.0;
      const double flops = 2.0 * p->value.size() * pixels;
      if (first < 0) first = flops;
      forward += flops;
    }
  }
  return forward + (forward - first) + forward;
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

// Median forward and backward milliseconds of each layer over training steps (train_on_batch, as
// fit runs them), and of the whole step. A layer called at several places sums its calls.
void print_layer_profile(minidl::Model& model, const minidl::Tensor& x, const minidl::Tensor& y,
                         int reps) {
  std::map<const minidl::Layer*, std::pair<double, double>> step;  // this step's sums
  model.observe_steps([&](const minidl::Layer& l, bool backward, double ms) {
    (backward ? step[&l].second : step[&l].first) += ms;
  });
  std::map<const minidl::Layer*, std::vector<double>> fwd, bwd;
  std::vector<double> total;
  for (int r = 0; r < 5 + reps * 5; ++r) {
    step.clear();
    const auto t0 = Clock::now();
    model.train_on_batch(x, y);
    if (r < 5) continue;  // warm-up
    total.push_back(ms_since(t0));
    for (const auto& [layer, ms] : step) {
      fwd[layer].push_back(ms.first);
      bwd[layer].push_back(ms.second);
    }
  }
  model.observe_steps({});
  fmt::print("{{\n  \"model\": \"{}\",\n  \"threads\": {},\n  \"blas_core\": \"{}\",\n",
             model.name(), minidl::num_threads(), minidl::blas_core_name());
  fmt::print("  \"batch\": {},\n  \"step_ms\": {:.3f},\n  \"layers_ms\": [\n", x.dim(0),
             median(total));
  // A ReLU folded into the layer before it runs no step of its own: 0 ms.
  auto ms = [](const std::vector<double>& v) { return v.empty() ? 0.0 : median(v); };
  for (std::size_t i = 0; i < model.size(); ++i) {
    const minidl::Layer* l = &model.layer(i);
    fmt::print("    {{\"layer\": \"{}\", \"forward\": {:.3f}, \"backward\": {:.3f}}}{}\n",
               l->name(), ms(fwd[l]), ms(bwd[l]), i + 1 < model.size() ? "," : "");
  }
  fmt::print("  ]\n}}\n");
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, reps = 9;
  std::string only, profiled = "cnn", policy = "float32";
  bool layers = false, data = false, augment = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--layers") || !std::strcmp(argv[i], "--data") ||
        !std::strcmp(argv[i], "--augment")) {
      (argv[i][2] == 'l' ? layers : argv[i][2] == 'd' ? data : augment) = true;
      continue;
    }
    if (i + 1 == argc) break;
    if (!std::strcmp(argv[i], "--threads"))
      threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps"))
      reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--only"))
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--model"))
      profiled = argv[++i];
    else if (!std::strcmp(argv[i], "--policy"))
      policy = argv[++i];
  }
  minidl::set_num_threads(threads);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  if (data || augment) {
    fmt::print("{{\n  \"threads\": {},\n  \"OPENBLAS_CORETYPE\": \"{}\",\n  \"reps\": {},\n",
               minidl::num_threads(), coretype ? coretype : "", reps);
    for (const auto& [name, value] :
         data ? run_data_benches(reps, only) : run_augment_benches(reps, only))
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
  // ResNet-20 as the peers measure it: batch 128 with SGD momentum 0.9, inference at batch 256.
  minidl::Model resnet = minidl::resnet20({32, 32, 3}, 10);
  resnet.compile(minidl::SGD(0.1f, 0.9f), minidl::SparseCategoricalCrossentropy(true));
  const minidl::Tensor xr = uniform(minidl::Shape{kResNetBatch, 32, 32, 3}, 3, 1.0f);
  minidl::Tensor yr(minidl::Shape{kResNetBatch});
  for (minidl::Index i = 0; i < kResNetBatch; ++i) yr[i] = static_cast<float>(i % 10);
  if (layers) {
    model.set_dtype_policy(policy);
    resnet.set_dtype_policy(policy);
    if (profiled == "resnet20") {
      print_layer_profile(resnet, xr, yr, reps);
    } else {
      print_layer_profile(model, x, y, reps);
    }
    return 0;
  }

  minidl::Sequential augmented = reference_cnn(/*augment=*/true);
  minidl::RandomFlip flip("horizontal");
  minidl::RandomRotation rotation(0.1f);
  // The same models (same initial weights) under mixed_bfloat16.
  minidl::Sequential model_bf16 = reference_cnn();
  model_bf16.set_dtype_policy("mixed_bfloat16");
  minidl::Model resnet_bf16 = minidl::resnet20({32, 32, 3}, 10);
  resnet_bf16.compile(minidl::SGD(0.1f, 0.9f), minidl::SparseCategoricalCrossentropy(true));
  resnet_bf16.set_dtype_policy("mixed_bfloat16");
  std::vector<Bench> all;
  all.push_back({"train_images_per_s", [&] { model.train_on_batch(x, y); }, kBatch});
  all.push_back({"train_bf16_images_per_s", [&] { model_bf16.train_on_batch(x, y); }, kBatch});
  all.push_back({"train_aug_images_per_s", [&] { augmented.train_on_batch(x, y); }, kBatch});
  all.push_back({"augment_images_per_s",
                 [&] { rotation(flip(x, /*training=*/true), /*training=*/true); }, kBatch});
  all.push_back({"infer_images_per_s", [&] { model.predict(xi, kInferBatch); }, kInferBatch});
  all.push_back(
      {"infer_bf16_images_per_s", [&] { model_bf16.predict(xi, kInferBatch); }, kInferBatch});
  all.push_back(
      {"resnet20_train_images_per_s", [&] { resnet.train_on_batch(xr, yr); }, kResNetBatch});
  all.push_back(
      {"resnet20_infer_images_per_s", [&] { resnet.predict(xi, kInferBatch); }, kInferBatch});
  all.push_back({"resnet20_train_bf16_images_per_s", [&] { resnet_bf16.train_on_batch(xr, yr); },
                 kResNetBatch});
  all.push_back({"resnet20_infer_bf16_images_per_s", [&] { resnet_bf16.predict(xi, kInferBatch); },
                 kInferBatch});
  std::vector<std::string> names;
  for (const Bench& b : all) names.push_back(b.name);
  auto chosen = [&](const std::string& name) {
    if (only.empty()) return true;
    for (std::size_t begin = 0; begin <= only.size();) {
      const std::size_t end = std::min(only.find(',', begin), only.size());
      const std::string part = only.substr(begin, end - begin);
      const bool exact = std::find(names.begin(), names.end(), part) != names.end();
      if (exact ? name == part : name.find(part) != std::string::npos) return true;
      begin = end + 1;
    }
    return false;
  };
  std::vector<Bench> benches;
  for (Bench& b : all) {
    if (chosen(b.name)) benches.push_back(std::move(b));
  }
  run_round_robin(benches, reps);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  fmt::print(
      "{{\n  \"threads\": {},\n  \"kernel_isa\": \"{}\",\n  \"bf16_kernel\": \"{}\",\n  "
      "\"blas_core\": \"{}\",\n  \"gemm_kernel\": \"{}\",\n  \"OPENBLAS_CORETYPE\": \"{}\",\n",
      minidl::num_threads(), minidl::isa_name(minidl::kernel_isa()),
      minidl::bf16_kernel_name(minidl::bf16_kernel()), minidl::blas_core_name(),
      minidl::gemm_kernel_name(), coretype ? coretype : "");
  fmt::print("  \"batch\": {},\n  \"reps\": {},\n", kBatch, reps);
  const FmaPeak peak = measure_fma_peak(minidl::num_threads());
  fmt::print("  \"peak_gflops\": {:.1f},\n  \"peak_kernel\": \"{}\",\n", peak.gflops, peak.kind);
  fmt::print("  \"peak_bf16_dot_gflops\": {:.1f},\n", measure_bf16_dot_peak(minidl::num_threads()));
  for (const Bench& b : benches) {
    const auto [lo, hi] = std::minmax_element(b.rates.begin(), b.rates.end());
    fmt::print("  \"{}\": {:.1f},\n  \"{}_min\": {:.1f},\n  \"{}_max\": {:.1f},\n", b.name,
               median(b.rates), b.name, *lo, b.name, *hi);
    if (b.name == "train_images_per_s" || b.name == "resnet20_train_images_per_s") {
      minidl::Model& m = b.name == "train_images_per_s" ? model : resnet;
      const std::string prefix = b.name.substr(0, b.name.size() - 13);  // "train"
      const double gflops = median(b.rates) * train_flops_per_image(m) / 1e9;
      fmt::print("  \"{}_gflops\": {:.1f},\n", prefix, gflops);
      // "fraction_of_peak" for the reference CNN, "resnet20_fraction_of_peak" for ResNet-20.
      const std::string model_prefix = prefix == "train" ? "" : prefix.substr(0, prefix.size() - 5);
      fmt::print("  \"{}fraction_of_peak\": {:.3f},\n", model_prefix, gflops / peak.gflops);
    }
  }
  fmt::print("  \"peak_rss_mb\": {:.1f}\n}}\n", usage.ru_maxrss / 1024.0);
  return 0;
}
