// Layer configurations: what a layer was made with, as JSON, in the spirit of Keras' get_config.
// The keys and value forms are Keras 3's ("filters", "kernel_size": [3, 3], "padding": "same"),
// so one configuration reads both a minidl model file and a Keras `.keras` archive.
//
//   Json Conv2D::get_config() const;                        // the constructor's arguments
//   static Conv2D Conv2D::from_config(const LayerConfig&);  // and back
//
// LayerConfig reads a configuration with errors that name the layer, the key, what was expected
// and what came: "Conv2D 'conv2d_1': config 'filters' must be an integer, got "16"".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <minidl/core/dtype_policy.hpp>
#include <minidl/core/shape.hpp>

namespace minidl {

using Json = nlohmann::json;

class LayerConfig {
 public:
  // `owner` starts every message, e.g. "Conv2D 'conv2d_1'".
  LayerConfig(Json config, std::string owner);

  const Json& json() const { return config_; }
  const std::string& owner() const { return owner_; }
  bool has(const char* key) const;  // present and not null

  // Required values: a missing key or a value of another type throws.
  std::string string(const char* key) const;
  Index integer(const char* key) const;
  float number(const char* key) const;
  bool boolean(const char* key) const;
  std::vector<float> numbers(const char* key) const;  // a list of numbers
  // Keras' int-or-pair arguments (kernel_size, strides, pool_size): 3, [3] or [3, 3].
  std::pair<Index, Index> pair(const char* key) const;
  // A number f as (-f, f), or a pair as (smaller, larger): Keras' scalar-or-pair factors.
  std::pair<float, float> range(const char* key) const;

  // Optional values: the fallback when the key is missing or null.
  std::string string(const char* key, const std::string& fallback) const;
  Index integer(const char* key, Index fallback) const;
  float number(const char* key, float fallback) const;
  bool boolean(const char* key, bool fallback) const;
  std::optional<std::uint64_t> seed() const;  // "seed": an integer or null
  // "dtype": a policy's name, or Keras 3's {"class_name": "DTypePolicy", "config": {"name": ..}}.
  std::optional<DtypePolicy> dtype_policy() const;

  // Keras arguments minidl does not have: throws unless `key` is missing, null, or `expected`,
  // saying why the layer cannot be taken as it is.
  void require(const char* key, const Json& expected, const std::string& why) const;

  // Throws "<owner>: config '<key>' <problem>".
  [[noreturn]] void fail(const char* key, const std::string& problem) const;

 private:
  const Json& at(const char* key) const;

  Json config_;
  std::string owner_;
};

// Keras arguments minidl's layers do not have, refused unless at their defaults.
void require_channels_last(const LayerConfig& config);    // data_format
void require_no_regularizers(const LayerConfig& config);  // *_regularizer, *_constraint
// Both, and dilation_rate 1.
void require_plain_convolution(const LayerConfig& config);

}  // namespace minidl
