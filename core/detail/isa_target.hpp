// Internal: code between MINIDL_TARGET_AVX512 (or _AVX2, _AVX512_BF16, _AMX) and MINIDL_TARGET_END
// is compiled for that instruction set whatever the library's -march; it must only run when
// kernel_isa() (bf16_kernel() for the last two) says so.
// Include every header before the first region: functions defined inside a region get its target,
// and a standard-library template instantiated there could be shared with code that runs on any
// CPU.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>
#define MINIDL_X86_KERNELS 1
#define MINIDL_TARGET_AVX512  \
  _Pragma("GCC push_options") \
      _Pragma("GCC target(\"avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2\")")
// The bfloat16 kernels (core/detail/bf16_kernels.cpp): VDPBF16PS, and AMX's tiles. Each includes
// MINIDL_TARGET_AVX512's set, so that its always_inline helpers inline here.
#define MINIDL_TARGET_AVX512_BF16 \
  _Pragma("GCC push_options")     \
      _Pragma("GCC target(\"avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,avx2,fma,bmi,bmi2\")")
#define MINIDL_TARGET_AMX              \
  _Pragma("GCC push_options") _Pragma( \
      "GCC target(\"avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,amx-tile,amx-bf16\")")
#define MINIDL_TARGET_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma,bmi,bmi2\")")
#define MINIDL_TARGET_END _Pragma("GCC pop_options")
#endif
