// ResNets for 32x32 images (He et al. 2016, section 4.2): a 3x3 convolution with 16 filters,
// then three stages of n basic blocks with 16, 32 and 64 filters (depth = 6n + 2: 20, 32, 44,
// 56, 110), global average pooling and a Dense layer of logits. A basic block is
// conv3x3-BN-ReLU-conv3x3-BN, added to its input, then ReLU; the first block of stages 2 and 3
// halves the resolution (stride 2) and its shortcut is a 1x1 convolution + BN (projection, the
// paper's option B). Convolutions have no bias (BN's beta replaces it); BatchNormalization uses
// momentum 0.9 and epsilon 1e-5 as PyTorch's defaults and the paper's Torch code.
//
//   minidl::Node x = minidl::Input({32, 32, 3});
//   minidl::Node h = minidl::RandomFlip("horizontal")(x);        // augmentation first, if any
//   minidl::Model model({x}, {minidl::resnet_cifar(h, 20, 10)}, "resnet20");
#pragma once

#include <cstdint>

#include <minidl/models/model.hpp>

namespace minidl {

// The network on `x` (N,H,W,C); returns the logits node (N, classes).
Node resnet_cifar(const Node& x, int depth, Index classes);

// ResNet-20 on inputs of `sample_shape`, e.g. (32,32,3).
Model resnet20(const Shape& sample_shape, Index classes, std::uint64_t seed = 0);

}  // namespace minidl
