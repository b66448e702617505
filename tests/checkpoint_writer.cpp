// Helper of test_checkpoint_kill: saves a 1M-parameter model to argv[1] over and over, version
// argv[2], argv[2]+1, ..., every weight of version k equal to k, until it is killed.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <minidl/minidl.hpp>

#include "checkpoint_model.hpp"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  minidl::Sequential model = minidl::testing::checkpoint_model();
  // Tells the test the saves begin: its kill times count from here, not from a start-up whose
  // length depends on the build (a sanitizer's) and the machine's load.
  std::fputs("ready\n", stdout);
  std::fflush(stdout);
  for (long version = std::atol(argv[2]);; ++version) {
    minidl::testing::fill_weights(model, float(version));
    model.save_weights(argv[1]);
  }
}
