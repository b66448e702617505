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

#include <minidl/core/gemm_bf16.hpp>

namespace minidl::testing {

struct Bf16KernelGuard {
  ~Bf16KernelGuard() { reset_bf16_kernel(); }
};

// Likewise for the bfloat16 product kernels (portable, AVX512_BF16, AMX).
template <class Body>
void for_each_bf16_kernel(Body body) {
  Bf16KernelGuard restore;
  for (Bf16Kernel kernel : {Bf16Kernel::portable, Bf16Kernel::avx512_bf16, Bf16Kernel::amx}) {
    if (kernel > detected_bf16_kernel()) continue;
    set_bf16_kernel(kernel);
    body(kernel);
  }
}

}  // namespace minidl::testing
