#include <minidl/layers/dropout.hpp>

#include <algorithm>

#include <fmt/core.h>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>

namespace minidl {

Dropout::Dropout(float rate) : rate_(rate) {
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw Error(fmt::format("Dropout: rate must be in [0,1), got {}", rate));
  }
}

Tensor Dropout::forward(const Tensor& x, bool training) {
  check_input(x);
  if (!training) return x.share();
  const float keep = 1.0f / (1.0f - rate_);
  mask_ = Tensor(x.shape());
  // Each sample's mask from its own stream: the same for any thread count or batch split.
  const SampleStreams streams = next_sample_streams();
  const Index n = x.dim(0), per_sample = x.size() / std::max<Index>(n, 1);
#pragma omp parallel for schedule(static) if (x.size() >= (1 << 16))
  for (Index s = 0; s < n; ++s) {
    Generator rng = streams(s);
    float* m = mask_.data() + s * per_sample;
    for (Index i = 0; i < per_sample; ++i) m[i] = rng.uniform() < rate_ ? 0.0f : keep;
  }
  Tensor y(x.shape());
  detail::array(y) = detail::array(x) * detail::array(mask_);
  return y;
}

Tensor Dropout::backward(const Tensor& dy) {
  check_backward(batch_of(mask_), dy);
  Tensor dx(dy.shape());
  detail::array(dx) = detail::array(dy) * detail::array(mask_);
  return dx;
}

Json Dropout::get_config() const {
  return {{"rate", rate_}};
}

Dropout Dropout::from_config(const LayerConfig& config) {
  config.require("noise_shape", nullptr, "minidl drops every element independently");
  return Dropout(config.number("rate"));
}

}  // namespace minidl
