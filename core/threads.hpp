// One setting for the number of threads, honoured by OpenBLAS and by the library's OpenMP loops.
// The default is OMP_NUM_THREADS when it is set to a positive number, otherwise the number of
// cores this process may run on (its CPU affinity mask).
#pragma once

namespace minidl {

int num_threads();
// n <= 0 restores the default.
void set_num_threads(int n);
int default_num_threads();

}  // namespace minidl
