// MpiCommunicator: the Communicator of processes started by mpirun (or srun), over MPI's C API.
// Part of the minidl::mpi target (a build with MINIDL_MPI): the core library never links MPI.
//
//   int main(int argc, char** argv) {
//     auto world = std::make_shared<minidl::MpiCommunicator>();  // MPI_Init_thread
//     model.distribute(world);
//     model.fit(train, validation, options);   // rank 0 prints; every rank trains
//   }                                         // MPI_Finalize when the last reference goes
//
// Failures never hang the job: Model::fit aborts every rank when one throws (Communicator::abort:
// MPI_Abort with exit code 1), mpirun ends the job when a rank dies, and a watchdog ends a rank
// whose collective waits longer than the timeout (exit code 124, with a message naming the rank
// and the collective).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <minidl/core/communicator.hpp>

namespace minidl {

class MpiCommunicator : public Communicator {
 public:
  // Seconds a collective may wait before the watchdog aborts: MINIDL_MPI_TIMEOUT, else 600
  // (rank 0 saving a checkpoint while the others wait is the longest legitimate wait).
  static double default_timeout();
  // Whether this process was started by an MPI launcher (Open MPI's, MPICH's or PMIx's
  // environment), so that a program can distribute only then and run alone otherwise.
  static bool launched();

  // Initialises MPI (thread level "funneled": only the calling thread makes MPI calls) unless it
  // is already; finalises it on destruction if it initialised it. One per process.
  explicit MpiCommunicator(double timeout_seconds = default_timeout());
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  // The ranks running on this machine (sharing its memory), this one included: what divides its
  // cores between them.
  int ranks_on_this_host() const { return local_size_; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float* data, std::size_t count) override;
  void allreduce_sum(double* data, std::size_t count) override;
  void allgather(const double* sent, std::size_t count, double* received) override;
  void broadcast(void* data, std::size_t size, int root) override;
  using Communicator::broadcast;

 protected:
  void abort_job(const std::string& message) override;

 private:
  class Waiting;  // marks a collective in progress for the watchdog
  void watch();

  int rank_ = 0, size_ = 1, local_size_ = 1;
  bool finalize_ = false;
  std::chrono::duration<double> timeout_;
  std::mutex mutex_;
  std::condition_variable changed_;
  const char* waiting_in_ = nullptr;  // the collective in progress, if any
  std::chrono::steady_clock::time_point waiting_since_;
  bool stop_ = false;
  std::thread watchdog_;
};

}  // namespace minidl
