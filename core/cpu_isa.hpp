// The instruction sets minidl's hand-written kernels (direct and Winograd convolutions, the RGB
// flip, histogram binning) are built for, chosen when they run: a library built on one x86-64
// machine uses AVX-512 where the CPU has it, AVX2 where it has that, and portable loops (im2col +
// GEMM, scalar code) elsewhere. OpenBLAS chooses its own kernels the same way.
// The choice can be lowered, e.g. to compare the tiers or to test a fallback on a machine that
// has more: set_kernel_isa(Isa::avx2), or MINIDL_ISA=avx2 in the environment.
#pragma once

#include <string>

namespace minidl {

enum class Isa { portable, avx2, avx512 };

// The best tier this CPU runs: avx512 needs AVX-512 F, BW, DQ and VL; avx2 needs AVX2 and FMA.
Isa detected_isa();
// The tier the kernels use now: detected_isa(), or lower when set so.
Isa kernel_isa();
// Uses `isa` from now on; throws minidl::Error if this CPU lacks it.
void set_kernel_isa(Isa isa);
// Back to MINIDL_ISA when it is set, else detected_isa().
void reset_kernel_isa();

const char* isa_name(Isa isa);
// "portable", "avx2" or "avx512"; minidl::Error naming the choices otherwise.
Isa parse_isa(const std::string& name);

}  // namespace minidl
