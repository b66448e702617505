#include <minidl/models/resnet.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/batch_normalization.hpp>
#include <minidl/layers/conv2d.hpp>
#include <minidl/layers/dense.hpp>
#include <minidl/layers/global_average_pooling2d.hpp>
#include <minidl/layers/merge/add.hpp>
#include <minidl/layers/relu.hpp>

namespace minidl {
namespace {

Node conv_bn(const Node& x, Index filters, Index kernel, Index stride) {
  const Node h = Conv2D(filters, kernel, stride, "same", "linear", /*use_bias=*/false)(x);
  return BatchNormalization(/*momentum=*/0.9f, /*epsilon=*/1e-5f)(h);
}

Node basic_block(const Node& x, Index filters, Index stride) {
  Node h = ReLU()(conv_bn(x, filters, 3, stride));
  h = conv_bn(h, filters, 3, 1);
  const bool same_shape = stride == 1 && x.shape()[2] == filters;
  const Node shortcut = same_shape ? x : conv_bn(x, filters, 1, stride);
  return ReLU()(Add()({h, shortcut}));
}

}  // namespace

Node resnet_cifar(const Node& x, int depth, Index classes) {
  if (depth < 8 || (depth - 2) % 6 != 0) {
    throw Error("resnet_cifar: depth must be 6n+2 (20, 32, 44, 56, 110), got " +
                std::to_string(depth));
  }
  if (x.shape().rank() != 3) {
    throw Error("resnet_cifar: expected images (N,H,W,C), got " + x.shape().str_batched());
  }
  if (classes < 1)
    throw Error("resnet_cifar: classes must be >= 1, got " + std::to_string(classes));
  const int blocks = (depth - 2) / 6;
  Node h = ReLU()(conv_bn(x, 16, 3, 1));
  for (int stage = 0; stage < 3; ++stage) {
    const Index filters = Index(16) << stage;
    for (int b = 0; b < blocks; ++b) h = basic_block(h, filters, stage > 0 && b == 0 ? 2 : 1);
  }
  return Dense(classes)(GlobalAveragePooling2D()(h));
}

Model resnet20(const Shape& sample_shape, Index classes, std::uint64_t seed) {
  const Node x = Input(sample_shape);
  return Model({x}, {resnet_cifar(x, 20, classes)}, "resnet20", seed);
}

}  // namespace minidl
