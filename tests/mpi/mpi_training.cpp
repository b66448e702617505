// Run under mpirun with 1, 2 and 4 processes (tests/CMakeLists.txt): data-parallel training of
// distributed_model for one epoch (3 steps of the global batch 10: 10, 10, 3 samples) gives the
// weights of one process alone within a relative 1e-4, bit for bit the same on every rank, and
// a run resumed from a checkpoint (loaded on rank 0 only) continues exactly.
//   mpi_training DIR    (DIR: where rank 0 writes the checkpoint)
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <minidl/core/mpi/mpi_communicator.hpp>
#include <minidl/minidl.hpp>

#include "distributed_model.hpp"
#include "identical.hpp"

namespace {

int failures = 0;

void check(bool ok, const std::string& what, int rank) {
  if (ok) return;
  std::fprintf(stderr, "rank %d: FAILED: %s\n", rank, what.c_str());
  ++failures;
}

// FNV-1a of every weight's bytes.
double fingerprint(const std::vector<minidl::Tensor>& weights) {
  std::uint32_t hash = 2166136261u;
  for (const minidl::Tensor& t : weights) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(t.data());
    for (std::size_t i = 0; i < sizeof(float) * std::size_t(t.size()); ++i) {
      hash = (hash ^ bytes[i]) * 16777619u;
    }
  }
  return double(hash);  // exact: 32 bits fit a double
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: mpi_training DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto world = std::make_shared<minidl::MpiCommunicator>();
  const int rank = world->rank(), ranks = world->size();
  const auto data = minidl::testing::distributed_data(23);
  const minidl::Dataset batches = minidl::testing::distributed_batches(data, 10);
  minidl::FitOptions options;
  options.verbose = 0;

  minidl::Model alone = minidl::testing::distributed_model();
  alone.fit(batches, options);

  minidl::Model model = minidl::testing::distributed_model();
  model.distribute(world);
  model.fit(batches, options);
  const std::vector<minidl::Tensor> weights = model.get_weights();
  const double difference =
      minidl::testing::largest_relative_difference(weights, alone.get_weights());
  check(difference < 1e-4, "relative difference to one process " + std::to_string(difference),
        rank);
  if (ranks == 1) check(minidl::testing::identical(weights, alone.get_weights()), "1 rank", rank);

  const double mine = fingerprint(weights);
  std::vector<double> all(static_cast<std::size_t>(ranks));
  world->allgather(&mine, 1, all.data());
  for (int r = 0; r < ranks; ++r) {
    check(all[std::size_t(r)] == mine, "weights of rank " + std::to_string(r) + " differ", rank);
  }

  // Two epochs with a checkpoint after each, then the second again from the first's checkpoint.
  const std::string checkpoint = dir + "/mpi-np" + std::to_string(ranks) + "-epoch{epoch}.weights";
  minidl::Model full = minidl::testing::distributed_model();
  full.distribute(world);
  options.epochs = 2;
  options.callbacks = {std::make_shared<minidl::ModelCheckpoint>(checkpoint)};
  full.fit(batches, options);
  options.callbacks.clear();

  minidl::Model resumed = minidl::testing::distributed_model();
  if (rank == 0) {
    resumed.load_weights(dir + "/mpi-np" + std::to_string(ranks) + "-epoch1.weights");
  }
  resumed.distribute(world);
  options.initial_epoch = 1;
  resumed.fit(batches, options);
  check(minidl::testing::identical(resumed.get_weights(), full.get_weights()),
        "the resumed run differs from the uninterrupted one", rank);

  double failed = failures;
  world->allreduce_sum(&failed, 1);
  if (rank == 0) {
    std::printf("%d processes: largest relative difference to one process %.3g; %s\n", ranks,
                difference, failed == 0 ? "passed" : "FAILED");
  }
  return failed == 0 ? 0 : 1;
}
