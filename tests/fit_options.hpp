// FitOptions for tests: no progress output.
#pragma once

#include <minidl/models/sequential.hpp>

namespace minidl::testing {

inline FitOptions quiet(int epochs, Index batch_size = 32, int initial_epoch = 0) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = batch_size;
  o.initial_epoch = initial_epoch;
  o.verbose = 0;
  return o;
}

}  // namespace minidl::testing
