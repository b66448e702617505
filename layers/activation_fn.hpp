// The element-wise activations shared by Activation, Dense and Conv2D, applied in place.
// Softmax works on the last axis of a (rows, cols) view.
#pragma once

#include <string>

#include <minidl/core/tensor.hpp>

namespace minidl {

enum class ActivationKind { Linear, Relu, Sigmoid, Tanh, Softmax };

// "relu" -> Relu; "" and "linear" -> Linear. `owner` starts the error message for other names.
ActivationKind parse_activation(const std::string& name, const std::string& owner);
std::string activation_name(ActivationKind kind);

// y = f(z) on `size` floats, in place; `cols` is the size of the last axis (used by softmax).
void activation_forward(ActivationKind kind, float* z, Index size, Index cols);
// dz = dy * f'(z), written in terms of the output y = f(z); dz may be dy (in place).
void activation_backward(ActivationKind kind, const float* y, const float* dy, float* dz,
                         Index size, Index cols);

inline void activation_forward(ActivationKind kind, Tensor& z, Index cols) {
  activation_forward(kind, z.data(), z.size(), cols);
}
inline void activation_backward(ActivationKind kind, const Tensor& y, Tensor& dy, Index cols) {
  activation_backward(kind, y.data(), dy.data(), dy.data(), dy.size(), cols);
}

}  // namespace minidl
