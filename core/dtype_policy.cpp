#include <minidl/core/dtype_policy.hpp>

#include <atomic>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

std::atomic<DtypePolicy>& global() {
  static std::atomic<DtypePolicy> policy{DtypePolicy::float32};
  return policy;
}

}  // namespace

DtypePolicy global_dtype_policy() {
  return global().load(std::memory_order_relaxed);
}

void set_dtype_policy(DtypePolicy policy) {
  global().store(policy, std::memory_order_relaxed);
}

void set_dtype_policy(const std::string& name) {
  set_dtype_policy(parse_dtype_policy(name));
}

const char* dtype_policy_name(DtypePolicy policy) {
  return policy == DtypePolicy::mixed_bfloat16 ? "mixed_bfloat16" : "float32";
}

DtypePolicy parse_dtype_policy(const std::string& name) {
  for (DtypePolicy policy : {DtypePolicy::float32, DtypePolicy::mixed_bfloat16}) {
    if (name == dtype_policy_name(policy)) return policy;
  }
  throw Error("unknown dtype policy '" + name + "': expected float32 or mixed_bfloat16");
}

}  // namespace minidl
