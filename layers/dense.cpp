#include <minidl/layers/dense.hpp>

#include <cmath>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>
#include <minidl/core/gemm_bf16.hpp>
#include <minidl/layers/initializers.hpp>

namespace minidl {

Dense::Dense(Index units, const std::string& activation, bool use_bias)
    : units_(units), activation_(parse_activation(activation, "Dense")), use_bias_(use_bias) {
  if (units < 1) throw Error("Dense: units must be >= 1, got " + std::to_string(units));
}

Shape Dense::build_impl(const Shape& sample_shape) {
  if (sample_shape.rank() != 1) {
    throw Error(label() + ": expected rank-2 input (N,features), got " +
                sample_shape.str_batched() + "; add a Flatten layer before it");
  }
  const Index in = sample_shape[0];
  Generator rng(seed());
  kernel_.value = glorot_uniform(Shape{in, units_}, in, units_, rng);
  kernel_.grad = Tensor::zeros(kernel_.value.shape());
  if (use_bias_) {
    bias_.value = Tensor::zeros(Shape{units_});
    bias_.grad = Tensor::zeros(Shape{units_});
  }
  return Shape{units_};
}

std::vector<Parameter*> Dense::parameters() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

Tensor Dense::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0), in = input_shape()[0];
  Tensor y(Shape{n, units_});
  // y (N,units) = x (N,in) . kernel (in,units)
  gemm(dtype_policy(), Transpose::No, Transpose::No, n, units_, in, x.data(), in,
       kernel_.value.data(), units_, 0.0f, y.data(), units_);
  if (use_bias_) {
    detail::matrix(y, n).rowwise() += detail::matrix(bias_.value, 1).row(0);
  }
  activation_forward(activation_, y, units_);
  if (training) {
    input_ = x.share();
    output_ = y.share();
  }
  return y;
}

Tensor Dense::backward(const Tensor& dy) {
  check_backward(batch_of(input_), dy);
  const Index n = dy.dim(0), in = input_shape()[0];
  Tensor dz(dy.shape());  // dz (N,units) = dL/d(x.kernel + bias)
  activation_backward(activation_, output_.data(), dy.data(), dz.data(), dz.size(), units_);
  // kernel.grad (in,units) += x^T (in,N) . dz (N,units)
  gemm(dtype_policy(), Transpose::Yes, Transpose::No, in, units_, n, input_.data(), in, dz.data(),
       units_, 1.0f, kernel_.grad.data(), units_);
  if (use_bias_) {
    detail::matrix(bias_.grad, 1).row(0) += detail::matrix(dz, n).colwise().sum();
  }
  if (!input_gradient()) return {};
  Tensor dx(Shape{n, in});
  // dx (N,in) = dz (N,units) . kernel^T (units,in)
  gemm(dtype_policy(), Transpose::No, Transpose::Yes, n, in, units_, dz.data(), units_,
       kernel_.value.data(), units_, 0.0f, dx.data(), in);
  return dx;
}

Json Dense::get_config() const {
  return {{"units", units_}, {"activation", activation_name(activation_)}, {"use_bias", use_bias_}};
}

Dense Dense::from_config(const LayerConfig& config) {
  require_no_regularizers(config);
  return Dense(config.integer("units"), config.string("activation", "linear"),
               config.boolean("use_bias", true));
}

}  // namespace minidl
