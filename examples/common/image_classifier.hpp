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

// What train_cifar --recipe picks: no augmentation; the flip, rotation and shift above (the
// default); those and RandomErasing as Zhong et al. 2020 use it (probability 0.5, 2-40% of the
// image, aspect ratio 0.3-3.3, uniform noise); or a horizontal flip, RandAugment (2 ops per
// image) and RandomErasing in the model with MixUp on the training batches (train_cifar adds
// the MixUp).
enum class Recipe { None, Basic, BasicErasing, RandAugmentMixUp };
// "none", "basic", "basic+erasing", "randaugment+mixup"
Recipe parse_recipe(const std::string& name);

// The recipe's layers, for images in [0, 1] (after Rescaling).
std::vector<std::unique_ptr<minidl::Layer>> augmentation_layers(Recipe recipe = Recipe::Basic);
void add_augmentation(minidl::Sequential& model, Recipe recipe = Recipe::Basic);

// Rescaling(1/255), the recipe's augmentation, three blocks of Conv2D (32, 64, 128 filters),
// MaxPooling2D and BatchNormalization, then Dense(128), Dropout(0.3) and Dense(classes) giving
// logits.
minidl::Sequential make_classifier(const minidl::Shape& sample_shape, int classes, Recipe recipe,
                                   std::uint64_t seed);

// ResNet-20 (minidl::resnet_cifar) behind Rescaling(1/255) and the recipe's augmentation.
minidl::Model make_resnet20(const minidl::Shape& sample_shape, int classes, Recipe recipe,
                            std::uint64_t seed);

}  // namespace examples
