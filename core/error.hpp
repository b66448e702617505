// minidl::Error: the one exception type of the library.
// Its message names the layer or file, what was expected and what came, e.g.
//   Dense 'dense_1': expected input (N,64), got (32,63)
#pragma once

#include <stdexcept>
#include <string>

namespace minidl {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace minidl
