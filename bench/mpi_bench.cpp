// Data-parallel training speed over MPI: one training step of the global batch (the reference
// CNN: 64 images, Adam; ResNet-20: 128 images, SGD momentum 0.9), each process on its shard, as
// fit runs it. Rank 0 prints JSON: images/s (median of timed blocks of steps), the milliseconds
// per step spent in the gradient all-reduce (waiting for the slowest rank included) and the
// model's gradient bytes.
//   OMP_NUM_THREADS=1 mpirun -np 2 build/bench/minidl_mpi_bench [--model cnn|resnet20] [--reps R]
//                                                              [--local-bn]
// --local-bn: BatchNormalization with each process's statistics (DistributeOptions), as
// PyTorch's DDP on the CPU (bench/torch_ddp_peer.py).
// bench/scaling.sh compares 1 process x 2 threads with 2 processes x 1 thread.
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <minidl/core/mpi/mpi_communicator.hpp>
#include <minidl/minidl.hpp>

#include "median.hpp"
#include "reference_cnn.hpp"

namespace {

using Clock = std::chrono::steady_clock;

minidl::Tensor uniform(const minidl::Shape& shape, std::uint64_t seed) {
  minidl::Generator rng(seed);
  minidl::Tensor t(shape);
  for (minidl::Index i = 0; i < t.size(); ++i) t[i] = rng.uniform();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "cnn";
  int reps = 7;
  minidl::DistributeOptions distribute;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--model") && i + 1 < argc) name = argv[++i];
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    if (!std::strcmp(argv[i], "--local-bn")) distribute.sync_batch_norm = false;
  }
  auto world = std::make_shared<minidl::MpiCommunicator>();
  if (name != "cnn" && name != "resnet20") world->abort("--model must be cnn or resnet20");
  const bool resnet = name == "resnet20";
  const minidl::Index batch = resnet ? 128 : 64;
  std::unique_ptr<minidl::Model> model;
  if (resnet) {
    model = std::make_unique<minidl::Model>(minidl::resnet20({32, 32, 3}, 10));
    model->compile(minidl::SGD(0.1f, 0.9f), minidl::SparseCategoricalCrossentropy(true));
  } else {
    model = std::make_unique<minidl::Sequential>(reference_cnn());
  }
  model->distribute(world, distribute);
  const minidl::Tensor x = uniform(minidl::Shape{batch, 32, 32, 3}, 1);
  minidl::Tensor y(minidl::Shape{batch});
  for (minidl::Index i = 0; i < batch; ++i) y[i] = static_cast<float>(i % 10);

  for (int i = 0; i < 3; ++i) model->train_on_batch(x, y);  // warm-up
  // Every rank runs the same number of steps per block: rank 0's choice, about 1 s.
  const auto t0 = Clock::now();
  model->train_on_batch(x, y);
  double one = std::chrono::duration<double>(Clock::now() - t0).count();
  world->broadcast(&one, sizeof one, 0);
  const int steps = std::max(1, static_cast<int>(1.0 / one));
  std::vector<double> rates, allreduce_ms;
  for (int r = 0; r < reps; ++r) {
    const double before = model->allreduce_milliseconds();
    const auto start = Clock::now();
    for (int s = 0; s < steps; ++s) model->train_on_batch(x, y);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    rates.push_back(steps * batch / seconds);
    allreduce_ms.push_back((model->allreduce_milliseconds() - before) / steps);
  }
  std::size_t gradient_floats = 0;
  for (minidl::Parameter* p : model->parameters(/*trainable_only=*/true)) {
    gradient_floats += static_cast<std::size_t>(p->value.size());
  }
  if (world->rank() == 0) {
    fmt::print(
        "{{\"model\": \"{}\", \"processes\": {}, \"threads_per_process\": {}, "
        "\"global_batch\": {}, \"images_per_s\": {:.1f}, \"step_ms\": {:.2f}, "
        "\"allreduce_ms_per_step\": {:.3f}, \"gradient_mb\": {:.2f}, \"sync_batch_norm\": {}, "
        "\"reps\": {}}}\n",
        name, world->size(), minidl::num_threads(), batch, median(rates),
        1000.0 * batch / median(rates), median(allreduce_ms), gradient_floats * 4 / 1e6,
        distribute.sync_batch_norm, reps);
  }
  return 0;
}
