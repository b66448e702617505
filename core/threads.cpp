#include <minidl/core/threads.hpp>

#include <sched.h>

#include <cstdlib>

#include <cblas.h>
#include <omp.h>

namespace minidl {
namespace {

int apply(int n) {
  // With Debian's OpenMP build of OpenBLAS both calls set the same pool; with another build the
  // first one is what OpenBLAS reads.
  openblas_set_num_threads(n);
  omp_set_num_threads(n);
  return n;
}

int& current() {
  static int n = apply(default_num_threads());
  return n;
}

}  // namespace

int default_num_threads() {
  // OMP_NUM_THREADS when set to a positive number, as OpenMP programs and PyTorch read it (what
  // mpirun users set to share a machine's cores between processes).
  if (const char* value = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(value, &end, 10);
    if (end != value && *end == '\0' && n > 0) return static_cast<int>(n);
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return omp_get_num_procs();
}

int num_threads() {
  return current();
}

void set_num_threads(int n) {
  // current() first: its one-time initialisation applies the default, which must not run after
  // (and undo) this call's setting. In `current() = apply(n)` C++17 evaluates apply(n) first.
  int& setting = current();
  setting = apply(n > 0 ? n : default_num_threads());
}

}  // namespace minidl
