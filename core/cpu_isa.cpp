#include <minidl/core/cpu_isa.hpp>

#include <atomic>
#include <cstdlib>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

Isa detect() {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include the operating system's support (XCR0) for the wider registers.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    return Isa::avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
#endif
  return Isa::portable;
}

Isa from_environment() {
  const char* name = std::getenv("MINIDL_ISA");
  if (!name || !*name) return detected_isa();
  const Isa isa = parse_isa(name);
  if (isa > detected_isa()) {
    throw Error(std::string("MINIDL_ISA=") + name + ": this CPU runs at most " +
                isa_name(detected_isa()));
  }
  return isa;
}

std::atomic<Isa>& current() {
  static std::atomic<Isa> isa{from_environment()};
  return isa;
}

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa kernel_isa() {
  return current().load(std::memory_order_relaxed);
}

void set_kernel_isa(Isa isa) {
  if (isa > detected_isa()) {
    throw Error(std::string("set_kernel_isa: this CPU runs at most ") + isa_name(detected_isa()) +
                ", asked for " + isa_name(isa));
  }
  current().store(isa, std::memory_order_relaxed);
}

void reset_kernel_isa() {
  current().store(from_environment(), std::memory_order_relaxed);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return "avx512";
    case Isa::avx2:
      return "avx2";
    case Isa::portable:
      break;
  }
  return "portable";
}

Isa parse_isa(const std::string& name) {
  for (Isa isa : {Isa::portable, Isa::avx2, Isa::avx512}) {
    if (name == isa_name(isa)) return isa;
  }
  throw Error("unknown instruction set '" + name + "': expected portable, avx2 or avx512");
}

}  // namespace minidl
