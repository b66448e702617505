#include <minidl/core/communicator.hpp>

#include <cstdlib>

namespace minidl {

void Communicator::broadcast(std::vector<std::uint8_t>& bytes, int root) {
  std::uint64_t size = bytes.size();
  broadcast(&size, sizeof size, root);
  bytes.resize(static_cast<std::size_t>(size));
  if (size > 0) broadcast(bytes.data(), bytes.size(), root);
}

void Communicator::abort(const std::string& message) {
  abort_job(message);
  std::abort();
}

bool Communicator::any(bool flag) {
  double value = flag ? 1.0 : 0.0;
  allreduce_sum(&value, 1);
  return value > 0.0;
}

}  // namespace minidl
