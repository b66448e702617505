#include <minidl/core/detail/buffer_pool.hpp>

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace minidl::detail {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kSmallest = 64 * 1024;       // smaller buffers go straight to malloc
constexpr std::size_t kMaxCached = 2048ull << 20;  // bytes the cache may keep

class Pool {
 public:
  void* take(std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= bytes;
        return p;
      }
    }
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (!p) throw std::bad_alloc();
    return p;
  }

  void give_back(void* p, std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + bytes <= kMaxCached) {
        free_[bytes].push_back(p);
        cached_ += bytes;
        return;
      }
    }
    std::free(p);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::size_t cached_ = 0;
};

// Never destroyed: tensors in static storage may release buffers during exit.
Pool& pool() {
  static Pool* instance = new Pool;
  return *instance;
}

}  // namespace

std::shared_ptr<float> acquire_buffer(Index count) {
  if (count <= 0) return {};
  // aligned_alloc wants a size that is a multiple of the alignment.
  std::size_t bytes = static_cast<std::size_t>(count) * sizeof(float);
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (bytes < kSmallest) {
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (!p) throw std::bad_alloc();
    return std::shared_ptr<float>(static_cast<float*>(p), [](float* q) { std::free(q); });
  }
  return std::shared_ptr<float>(static_cast<float*>(pool().take(bytes)),
                                [bytes](float* q) { pool().give_back(q, bytes); });
}

}  // namespace minidl::detail
