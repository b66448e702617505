// Run under mpirun with 2 processes (tests/CMakeLists.txt): rank 1 fails during fit in one of
// three ways, and the job must end with a non-zero exit, soon, never hang.
//   mpi_failure throw   rank 1 throws: every rank stops, naming rank 1 and the error
//   mpi_failure kill    rank 1 is killed by SIGKILL: the launcher ends the job
//   mpi_failure stall   rank 1 stops calling collectives: rank 0's watchdog ends the job
//                       (after MINIDL_MPI_TIMEOUT seconds)
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <minidl/core/mpi/mpi_communicator.hpp>
#include <minidl/minidl.hpp>

#include "distributed_model.hpp"

namespace {

class FailOnRank1 : public minidl::Callback {
 public:
  FailOnRank1(std::string mode, int rank) : mode_(std::move(mode)), rank_(rank) {}
  void on_batch_end(minidl::Index step, const minidl::Logs&) override {
    if (rank_ != 1 || step != 2) return;
    if (mode_ == "throw") throw minidl::Error("a failure injected on rank 1");
    if (mode_ == "kill") std::raise(SIGKILL);
    if (mode_ == "stall") std::this_thread::sleep_for(std::chrono::hours(1));
  }

 private:
  std::string mode_;
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 2 ? argv[1] : "";
  if (mode != "throw" && mode != "kill" && mode != "stall") {
    std::fprintf(stderr, "usage: mpi_failure throw|kill|stall\n");
    return 2;
  }
  auto world = std::make_shared<minidl::MpiCommunicator>();
  const auto data = minidl::testing::distributed_data(23);
  minidl::Model model = minidl::testing::distributed_model();
  model.distribute(world);
  minidl::FitOptions options;
  options.verbose = 0;
  options.epochs = 3;
  options.callbacks = {std::make_shared<FailOnRank1>(mode, world->rank())};
  model.fit(minidl::testing::distributed_batches(data, 10), options);
  std::printf("rank %d: fit returned, which it must not\n", world->rank());
  return 0;
}
