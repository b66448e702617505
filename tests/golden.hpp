// Reads golden tensors written by the generator scripts in tests/data/: a line "name d0 d1 ...",
// then a line of values; lines starting with '#' are comments.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/tensor.hpp>

namespace minidl::testing {

class Golden {
 public:
  explicit Golden(const std::string& file) {
    std::ifstream in(std::string(MINIDL_TEST_DATA_DIR) + "/" + file);
    if (!in) throw Error("golden file " + file + " cannot be opened");
    std::string header, values;
    while (std::getline(in, header)) {
      if (header.empty() || header[0] == '#') continue;  // comments: generator versions
      if (!std::getline(in, values)) break;
      std::istringstream h(header), v(values);
      std::string name;
      h >> name;
      std::vector<Index> dims;
      for (Index d; h >> d;) dims.push_back(d);
      std::vector<float> data;
      for (float f; v >> f;) data.push_back(f);
      entries_[name] = {dims, data};
    }
  }

  Tensor operator[](const std::string& name) const {
    const auto it = entries_.find(name);
    if (it == entries_.end()) throw Error("golden entry " + name + " is missing");
    return Tensor(Shape(it->second.first), it->second.second);
  }

 private:
  std::map<std::string, std::pair<std::vector<Index>, std::vector<float>>> entries_;
};

inline void check_close(const Tensor& actual, const Tensor& expected, float tolerance) {
  REQUIRE(actual.shape() == expected.shape());
  Index bad = 0;
  for (Index i = 0; i < actual.size(); ++i) {
    if (!(std::abs(actual[i] - expected[i]) <= tolerance) && bad++ < 5) {
      UNSCOPED_INFO("[" << i << "] got " << actual[i] << ", expected " << expected[i]);
    }
  }
  CHECK(bad == 0);
}

}  // namespace minidl::testing
