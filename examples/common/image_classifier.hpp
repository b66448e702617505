// What train_cifar, augment_preview and epoch_semantics share: the dataset choice, the
// augmentation stack and the CNN.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <minidl/minidl.hpp>

namespace examples {

// CIFAR-10 binary batches from `cifar_dir` (CIFAR-100 when it holds train.bin), or the Debian
// Fashion-MNIST files when `cifar_dir` is empty. Prints what it loaded, when `say`.
minidl::TrainTest load_dataset(const std::string& cifar_dir, bool say = true);

// The augmentation at the front of the model: a horizontal flip, a rotation of up to
// +-rotation*360 degrees and a shift of up to +-translation of the height and width, both
// sampling the nearest pixel.
constexpr float kRotation = 0.02f, kTranslation = 0.06f;
std::vector<std::unique_ptr<minidl::Layer>> augmentation_layers();
void add_augmentation(minidl::Sequential& model);

// Rescaling(1/255), the augmentation (unless augment is false), three blocks of Conv2D (32, 64,
// 128 filters), MaxPooling2D and BatchNormalization, then Dense(128), Dropout(0.3) and
// Dense(classes) giving logits.
minidl::Sequential make_classifier(const minidl::Shape& sample_shape, int classes, bool augment,
                                   std::uint64_t seed);

// ResNet-20 (minidl::resnet_cifar) behind Rescaling(1/255) and the same augmentation.
minidl::Model make_resnet20(const minidl::Shape& sample_shape, int classes, bool augment,
                            std::uint64_t seed);

}  // namespace examples
