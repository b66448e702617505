// Communicator: the collectives data-parallel training needs, between the processes ("ranks")
// that train one model. Model::distribute takes one; fit then splits every global batch between
// the ranks, sums gradients and metrics over them and starts from rank 0's weights.
//
// The core library has no implementation that crosses processes: MpiCommunicator
// (core/mpi/mpi_communicator.hpp, the minidl::mpi target of a build with MINIDL_MPI) is one.
// Every rank must call the same collectives in the same order with the same sizes, as in MPI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace minidl {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // data[i] = the sum over ranks of data[i], on every rank.
  virtual void allreduce_sum(float* data, std::size_t count) = 0;
  virtual void allreduce_sum(double* data, std::size_t count) = 0;
  // received[r * count + i] = rank r's sent[i], on every rank (received holds size() * count).
  virtual void allgather(const double* sent, std::size_t count, double* received) = 0;
  // root's `size` bytes into every rank's data.
  virtual void broadcast(void* data, std::size_t size, int root) = 0;
  // Ends every rank of the job with a non-zero exit, after printing `message` with this rank's
  // number on stderr: what a rank does when it cannot go on, since the others would wait for it.
  // (abort_job does it; if it returns, this process aborts alone.)
  [[noreturn]] void abort(const std::string& message);

  // root's byte vector, resized on the other ranks: a size broadcast, then the bytes.
  void broadcast(std::vector<std::uint8_t>& bytes, int root);
  // Whether `flag` is true on any rank (an error seen by one, a stop asked by one).
  bool any(bool flag);

 protected:
  virtual void abort_job(const std::string& message) = 0;
};

}  // namespace minidl
