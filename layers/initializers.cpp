#include <minidl/layers/initializers.hpp>

#include <cmath>

namespace minidl {

Tensor glorot_uniform(const Shape& shape, Index fan_in, Index fan_out, Generator& rng) {
  const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  Tensor t(shape);
  for (Index i = 0; i < t.size(); ++i) t[i] = rng.uniform(-limit, limit);
  return t;
}

}  // namespace minidl
