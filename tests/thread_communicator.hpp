// Ranks as threads of one process: data-parallel code tested without MPI. run_ranks(n, body)
// calls body(communicator) on n threads, one rank each, and rethrows the first exception. Sums
// are taken in rank order, so results are deterministic.
#pragma once

#include <condition_variable>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <minidl/core/communicator.hpp>

namespace minidl::testing {

class ThreadCommunicator : public Communicator {
 public:
  struct Group {
    explicit Group(int n) : size(n), parts(std::size_t(n)) {}
    int size;
    std::mutex mutex;
    std::condition_variable changed;
    int arrived = 0;
    long generation = 0;
    std::vector<std::vector<unsigned char>> parts;
  };

  ThreadCommunicator(std::shared_ptr<Group> group, int rank)
      : group_(std::move(group)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return group_->size; }

  void allreduce_sum(float* data, std::size_t count) override { reduce(data, count); }
  void allreduce_sum(double* data, std::size_t count) override { reduce(data, count); }
  void allgather(const double* sent, std::size_t count, double* received) override {
    const auto parts = exchange(sent, count * sizeof(double));
    for (int r = 0; r < size(); ++r) {
      std::memcpy(received + std::size_t(r) * count, parts[std::size_t(r)].data(),
                  count * sizeof(double));
    }
  }
  void broadcast(void* data, std::size_t size, int root) override {
    const auto parts = exchange(data, size);
    std::memcpy(data, parts[std::size_t(root)].data(), size);
  }
  using Communicator::broadcast;

 protected:
  void abort_job(const std::string& message) override { throw std::runtime_error(message); }

 private:
  template <class T>
  void reduce(T* data, std::size_t count) {
    const auto parts = exchange(data, count * sizeof(T));
    for (std::size_t i = 0; i < count; ++i) {
      T sum = 0;
      for (const auto& part : parts) sum += reinterpret_cast<const T*>(part.data())[i];
      data[i] = sum;
    }
  }

  // Every rank's bytes, once all have given theirs; a second barrier keeps a fast rank's next
  // exchange from overwriting parts a slow one still reads.
  std::vector<std::vector<unsigned char>> exchange(const void* data, std::size_t bytes) {
    Group& g = *group_;
    std::unique_lock<std::mutex> lock(g.mutex);
    const auto* begin = static_cast<const unsigned char*>(data);
    g.parts[std::size_t(rank_)].assign(begin, begin + bytes);
    barrier(lock);
    std::vector<std::vector<unsigned char>> parts = g.parts;
    barrier(lock);
    return parts;
  }

  void barrier(std::unique_lock<std::mutex>& lock) {
    Group& g = *group_;
    const long generation = g.generation;
    if (++g.arrived == g.size) {
      g.arrived = 0;
      ++g.generation;
      g.changed.notify_all();
    } else {
      g.changed.wait(lock, [&] { return g.generation != generation; });
    }
  }

  std::shared_ptr<Group> group_;
  int rank_;
};

inline void run_ranks(int n, const std::function<void(std::shared_ptr<Communicator>)>& body) {
  auto group = std::make_shared<ThreadCommunicator::Group>(n);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      try {
        body(std::make_shared<ThreadCommunicator>(group, r));
      } catch (...) {
        errors[std::size_t(r)] = std::current_exception();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace minidl::testing
