#include <algorithm>
#include <cmath>

#include <minidl/core/error.hpp>
#include <minidl/layers/config.hpp>

namespace minidl {
namespace {

std::string shown(const Json& value) {
  std::string text = value.dump();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

}  // namespace

LayerConfig::LayerConfig(Json config, std::string owner)
    : config_(std::move(config)), owner_(std::move(owner)) {
  if (!config_.is_object()) {
    throw Error(owner_ + ": config must be a JSON object, got " + shown(config_));
  }
}

void LayerConfig::fail(const char* key, const std::string& problem) const {
  throw Error(owner_ + ": config '" + key + "' " + problem);
}

bool LayerConfig::has(const char* key) const {
  auto it = config_.find(key);
  return it != config_.end() && !it->is_null();
}

const Json& LayerConfig::at(const char* key) const {
  if (!has(key)) fail(key, "is missing");
  return config_.at(key);
}

std::string LayerConfig::string(const char* key) const {
  const Json& v = at(key);
  if (!v.is_string()) fail(key, "must be a string, got " + shown(v));
  return v.get<std::string>();
}

Index LayerConfig::integer(const char* key) const {
  const Json& v = at(key);
  // JSON writers may print an integral float as 16.0: accept it, refuse 16.5.
  if (v.is_number_integer()) return v.get<Index>();
  if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
    return static_cast<Index>(v.get<double>());
  }
  fail(key, "must be an integer, got " + shown(v));
}

float LayerConfig::number(const char* key) const {
  const Json& v = at(key);
  if (!v.is_number()) fail(key, "must be a number, got " + shown(v));
  return v.get<float>();
}

bool LayerConfig::boolean(const char* key) const {
  const Json& v = at(key);
  if (!v.is_boolean()) fail(key, "must be true or false, got " + shown(v));
  return v.get<bool>();
}

std::vector<float> LayerConfig::numbers(const char* key) const {
  const Json& v = at(key);
  if (v.is_number()) return {v.get<float>()};
  std::vector<float> values;
  if (v.is_array()) {
    for (const Json& item : v) {
      if (!item.is_number()) break;
      values.push_back(item.get<float>());
    }
    if (values.size() == v.size()) return values;
  }
  fail(key, "must be a number or a list of numbers, got " + shown(v));
}

std::pair<Index, Index> LayerConfig::pair(const char* key) const {
  const Json& v = at(key);
  auto integral = [](const Json& x) { return x.is_number_integer() && x.get<Index>() >= 0; };
  if (integral(v)) return {v.get<Index>(), v.get<Index>()};
  if (v.is_array() && v.size() == 1 && integral(v[0]))
    return {v[0].get<Index>(), v[0].get<Index>()};
  if (v.is_array() && v.size() == 2 && integral(v[0]) && integral(v[1])) {
    return {v[0].get<Index>(), v[1].get<Index>()};
  }
  fail(key, "must be an integer or a pair of integers, got " + shown(v));
}

std::pair<float, float> LayerConfig::range(const char* key) const {
  const Json& v = at(key);
  if (v.is_number()) return {-v.get<float>(), v.get<float>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number()) {
    // Keras keeps a pair as given and draws between its smaller and larger value.
    const float a = v[0].get<float>(), b = v[1].get<float>();
    return {std::min(a, b), std::max(a, b)};
  }
  fail(key, "must be a number or a pair [low, high], got " + shown(v));
}

std::string LayerConfig::string(const char* key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}

Index LayerConfig::integer(const char* key, Index fallback) const {
  return has(key) ? integer(key) : fallback;
}

float LayerConfig::number(const char* key, float fallback) const {
  return has(key) ? number(key) : fallback;
}

bool LayerConfig::boolean(const char* key, bool fallback) const {
  return has(key) ? boolean(key) : fallback;
}

std::optional<std::uint64_t> LayerConfig::seed() const {
  if (!has("seed")) return std::nullopt;
  const Json& v = config_.at("seed");
  if (!v.is_number_integer() ||
      (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0)) {
    fail("seed", "must be a non-negative integer or null, got " + shown(v));
  }
  return v.get<std::uint64_t>();
}

std::optional<DtypePolicy> LayerConfig::dtype_policy() const {
  if (!has("dtype")) return std::nullopt;
  const Json& v = config_.at("dtype");
  const Json* name = &v;
  if (v.is_object() && v.contains("config") && v.at("config").is_object() &&
      v.at("config").contains("name")) {
    name = &v.at("config").at("name");
  }
  if (!name->is_string()) fail("dtype", "must be a dtype policy, got " + shown(v));
  try {
    return parse_dtype_policy(name->get<std::string>());
  } catch (const Error& e) {
    fail("dtype", e.what());
  }
}

void LayerConfig::require(const char* key, const Json& expected, const std::string& why) const {
  if (!has(key) || config_.at(key) == expected) return;
  fail(key,
       "is " + shown(config_.at(key)) + ", minidl supports only " + shown(expected) + ": " + why);
}

void require_channels_last(const LayerConfig& config) {
  config.require("data_format", "channels_last", "minidl's images are (N,H,W,C)");
}

void require_no_regularizers(const LayerConfig& config) {
  for (const char* key :
       {"kernel_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_regularizer",
        "kernel_constraint", "bias_constraint", "depthwise_constraint"}) {
    config.require(key, nullptr,
                   "minidl has no per-layer regularizers or constraints (the optimizer's "
                   "weight_decay is its regularization)");
  }
}

void require_plain_convolution(const LayerConfig& config) {
  require_channels_last(config);
  require_no_regularizers(config);
  if (config.has("dilation_rate") &&
      config.pair("dilation_rate") != std::pair<Index, Index>{1, 1}) {
    config.fail("dilation_rate", "is " + config.json().at("dilation_rate").dump() +
                                     ", minidl supports only 1: dilated convolutions are not "
                                     "implemented");
  }
}

}  // namespace minidl
