// The Keras 3 golden values of tests/data/augment/keras_goldens.json (made by
// make_keras_goldens.py there): deterministic parts of Keras' augmentation layers with fixed
// parameters.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <minidl/core/error.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/layers/config.hpp>

namespace minidl::testing {

struct KerasCase {
  Tensor input, output;
  Json params;
  float low = 0, high = 255;  // value_range
};

inline Tensor tensor_of(const Json& shape, const Json& values) {
  std::vector<Index> dims;
  for (const auto& d : shape) dims.push_back(d.get<Index>());
  Tensor t{Shape(dims)};
  if (Index(values.size()) != t.size()) throw Error("keras_goldens: size mismatch");
  for (Index i = 0; i < t.size(); ++i) t[i] = values[std::size_t(i)].get<float>();
  return t;
}

inline KerasCase keras_case(const std::string& name) {
  static const Json all = [] {
    std::ifstream in(std::string(MINIDL_TEST_DATA_DIR) + "/augment/keras_goldens.json");
    return Json::parse(in);
  }();
  for (const Json& c : all.at("cases")) {
    if (c.at("name") != name) continue;
    KerasCase k{tensor_of(c.at("shape"), c.at("input")),
                tensor_of(c.at("output_shape"), c.at("output")), c.at("params")};
    k.low = c.at("value_range")[0].get<float>();
    k.high = c.at("value_range")[1].get<float>();
    return k;
  }
  throw Error("keras_goldens: no case " + name);
}

}  // namespace minidl::testing
