#include <minidl/core/mpi/mpi_communicator.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <mpi.h>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

// MPI counts are int: larger buffers go in pieces.
constexpr std::size_t kMaxCount = std::size_t(1) << 30;

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("MPI: ") + call + " failed: " + std::string(text, std::size_t(length)));
}

// MPI_Allreduce(MPI_SUM) in place, in pieces of at most kMaxCount elements.
void sum_in_place(void* data, std::size_t count, std::size_t element_size, MPI_Datatype type) {
  auto* bytes = static_cast<unsigned char*>(data);
  for (std::size_t done = 0; done < count; done += kMaxCount) {
    const int n = static_cast<int>(std::min(kMaxCount, count - done));
    check(
        MPI_Allreduce(MPI_IN_PLACE, bytes + done * element_size, n, type, MPI_SUM, MPI_COMM_WORLD),
        "MPI_Allreduce");
  }
}

}  // namespace

// Marks the collective in progress while it lives.
class MpiCommunicator::Waiting {
 public:
  Waiting(MpiCommunicator& c, const char* collective) : c_(c) {
    std::lock_guard<std::mutex> lock(c_.mutex_);
    c_.waiting_in_ = collective;
    c_.waiting_since_ = std::chrono::steady_clock::now();
    c_.changed_.notify_all();
  }
  ~Waiting() {
    std::lock_guard<std::mutex> lock(c_.mutex_);
    c_.waiting_in_ = nullptr;
  }
  Waiting(const Waiting&) = delete;
  Waiting& operator=(const Waiting&) = delete;

 private:
  MpiCommunicator& c_;
};

double MpiCommunicator::default_timeout() {
  const char* value = std::getenv("MINIDL_MPI_TIMEOUT");
  if (!value || !*value) return 600.0;
  char* end = nullptr;
  const double seconds = std::strtod(value, &end);
  if (*end != '\0' || !(seconds > 0.0)) {
    throw Error("MINIDL_MPI_TIMEOUT must be a number of seconds > 0, got '" + std::string(value) +
                "'");
  }
  return seconds;
}

bool MpiCommunicator::launched() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
    if (std::getenv(name)) return true;
  }
  return false;
}

MpiCommunicator::MpiCommunicator(double timeout_seconds) : timeout_(timeout_seconds) {
  if (!(timeout_seconds > 0.0)) {
    throw Error("MpiCommunicator: timeout must be > 0 seconds, got " +
                std::to_string(timeout_seconds));
  }
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    finalize_ = true;
  }
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  MPI_Comm local;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
        "MPI_Comm_split_type");
  check(MPI_Comm_size(local, &local_size_), "MPI_Comm_size");
  MPI_Comm_free(&local);
  watchdog_ = std::thread([this] { watch(); });
}

MpiCommunicator::~MpiCommunicator() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  watchdog_.join();
  if (finalize_) MPI_Finalize();
}

// Ends the process when one collective has waited longer than the timeout: a peer that died
// without the launcher noticing, or one that stopped calling collectives. Exiting (rather than
// MPI_Abort from this thread, which the "funneled" level does not allow) is enough: the launcher
// ends the job when a rank exits with a non-zero status.
void MpiCommunicator::watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    if (!waiting_in_) {
      changed_.wait(lock);
      continue;
    }
    const auto deadline =
        waiting_since_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout_);
    const char* collective = waiting_in_;
    const auto since = waiting_since_;
    changed_.wait_until(lock, deadline);
    if (!stop_ && waiting_in_ == collective && waiting_since_ == since &&
        std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr,
                   "minidl: rank %d of %d: %s waited more than %g s for the other ranks "
                   "(MINIDL_MPI_TIMEOUT); ending the job\n",
                   rank_, size_, collective, timeout_.count());
      std::fflush(stderr);
      std::_Exit(124);
    }
  }
}

void MpiCommunicator::allreduce_sum(float* data, std::size_t count) {
  Waiting waiting(*this, "MPI_Allreduce");
  sum_in_place(data, count, sizeof(float), MPI_FLOAT);
}

void MpiCommunicator::allreduce_sum(double* data, std::size_t count) {
  Waiting waiting(*this, "MPI_Allreduce");
  sum_in_place(data, count, sizeof(double), MPI_DOUBLE);
}

void MpiCommunicator::allgather(const double* sent, std::size_t count, double* received) {
  if (count > kMaxCount) throw Error("MPI: allgather of more than 2^30 values per rank");
  Waiting waiting(*this, "MPI_Allgather");
  const int n = static_cast<int>(count);
  check(MPI_Allgather(sent, n, MPI_DOUBLE, received, n, MPI_DOUBLE, MPI_COMM_WORLD),
        "MPI_Allgather");
}

void MpiCommunicator::broadcast(void* data, std::size_t size, int root) {
  Waiting waiting(*this, "MPI_Bcast");
  auto* bytes = static_cast<unsigned char*>(data);
  for (std::size_t done = 0; done < size; done += kMaxCount) {
    const int n = static_cast<int>(std::min(kMaxCount, size - done));
    check(MPI_Bcast(bytes + done, n, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  }
}

void MpiCommunicator::abort_job(const std::string& message) {
  std::fprintf(stderr, "minidl: rank %d of %d: %s\n", rank_, size_, message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

}  // namespace minidl
