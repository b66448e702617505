// Runs a test body once on every kernel tier this CPU runs (portable, AVX2, AVX-512), the tier
// set while it runs and restored after, also when the body throws.
#pragma once

#include <minidl/core/cpu_isa.hpp>

namespace minidl::testing {

struct KernelIsaGuard {
  ~KernelIsaGuard() { reset_kernel_isa(); }
};

template <class Body>
void for_each_isa(Body body) {
  KernelIsaGuard restore;
  for (Isa isa : {Isa::portable, Isa::avx2, Isa::avx512}) {
    if (isa > detected_isa()) continue;
    set_kernel_isa(isa);
    body(isa);
  }
}

}  // namespace minidl::testing
