#include "image_classifier.hpp"

#include <sys/stat.h>

#include <fmt/core.h>

namespace examples {

minidl::TrainTest load_dataset(const std::string& cifar_dir, bool say) {
  if (cifar_dir.empty()) {
    if (say) fmt::print("Fashion-MNIST from {}\n", minidl::kFashionMnistDir);
    return minidl::load_fashion_mnist();
  }
  struct stat info {};
  const bool cifar100 = ::stat((cifar_dir + "/train.bin").c_str(), &info) == 0;
  if (say) fmt::print("{} from {}\n", cifar100 ? "CIFAR-100" : "CIFAR-10", cifar_dir);
  return cifar100 ? minidl::load_cifar100(cifar_dir) : minidl::load_cifar10(cifar_dir);
}

Recipe parse_recipe(const std::string& name) {
  if (name == "none") return Recipe::None;
  if (name == "basic") return Recipe::Basic;
  if (name == "basic+erasing") return Recipe::BasicErasing;
  if (name == "randaugment+mixup") return Recipe::RandAugmentMixUp;
  throw minidl::Error("unknown recipe '" + name +
                      "', expected none, basic, basic+erasing or randaugment+mixup");
}

std::vector<std::unique_ptr<minidl::Layer>> augmentation_layers(Recipe recipe) {
  std::vector<std::unique_ptr<minidl::Layer>> layers;
  if (recipe == Recipe::None) return layers;
  layers.push_back(std::make_unique<minidl::RandomFlip>("horizontal"));
  if (recipe == Recipe::RandAugmentMixUp) {
    // Nearest sampling for the same reason as below; pixels are in [0, 1] after Rescaling.
    layers.push_back(std::make_unique<minidl::RandAugment>(minidl::ValueRange(0.0f, 1.0f), 2, 0.5f,
                                                           "nearest", "reflect"));
    layers.push_back(std::make_unique<minidl::RandomErasing>(
        0.25f, minidl::FactorRange(0.02f, 0.2f), minidl::FactorRange(0.3f, 3.3f),
        std::vector<float>{}, minidl::ValueRange(0.0f, 1.0f)));
    return layers;
  }
  // Nearest-pixel sampling: bilinear sampling at sub-pixel positions blurs 28x28 images, and the
  // model then trains on blurred views but is tested on sharp images. Measured on Fashion-MNIST
  // over 30 epochs with a second Dropout after Flatten: 92.56% test accuracy with bilinear, 93.30%
  // with nearest (93.44% with nearest and this model's single Dropout).
  layers.push_back(std::make_unique<minidl::RandomRotation>(kRotation, "reflect", "nearest"));
  layers.push_back(std::make_unique<minidl::RandomTranslation>(kTranslation, kTranslation,
                                                               "reflect", "nearest"));
  if (recipe == Recipe::BasicErasing) {
    layers.push_back(std::make_unique<minidl::RandomErasing>(
        0.5f, minidl::FactorRange(0.02f, 0.4f), minidl::FactorRange(0.3f, 3.3f),
        std::vector<float>{}, minidl::ValueRange(0.0f, 1.0f)));
  }
  return layers;
}

void add_augmentation(minidl::Sequential& model, Recipe recipe) {
  for (auto& layer : augmentation_layers(recipe)) model.add(std::move(layer));
}

minidl::Sequential make_classifier(const minidl::Shape& sample_shape, int classes, Recipe recipe,
                                   std::uint64_t seed) {
  minidl::Sequential model(seed, recipe == Recipe::None ? "cnn" : "cnn_augmented");
  model.add(minidl::Rescaling(1.0f / 255));
  add_augmentation(model, recipe);
  for (minidl::Index filters : {32, 64, 128}) {
    model.add(minidl::Conv2D(filters, 3, 1, "same", "relu"));
    // Normalising after the pooling costs a quarter of normalising before it.
    model.add(minidl::MaxPooling2D(2));
    model.add(minidl::BatchNormalization());
  }
  model.add(minidl::Flatten());
  model.add(minidl::Dense(128, "relu"));
  model.add(minidl::Dropout(0.3f));
  model.add(minidl::Dense(classes));
  model.build(sample_shape);
  return model;
}

minidl::Model make_resnet20(const minidl::Shape& sample_shape, int classes, Recipe recipe,
                            std::uint64_t seed) {
  const minidl::Node x = minidl::Input(sample_shape);
  minidl::Node h = minidl::Rescaling(1.0f / 255)(x);
  for (auto& layer : augmentation_layers(recipe)) h = minidl::call_layer(std::move(layer), {h});
  return minidl::Model({x}, {minidl::resnet_cifar(h, 20, classes)},
                       recipe == Recipe::None ? "resnet20" : "resnet20_augmented", seed);
}

}  // namespace examples
