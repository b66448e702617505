// Shows what the augmentation layers of train_cifar do in each epoch: for a few training images,
// out/augment_preview.png has the original in the first column and the stack's output in epochs
// 1..k next to it, and the terminal lists each image's draws. With --masks each image also has a
// segmentation mask (its object, tinted red) and a bounding box (green), moved by the same draws.
//   build/examples/augment_preview [--data DIR] [--images N] [--epochs K] [--seed S] [--out DIR]
//                                  [--masks]
#include <filesystem>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <minidl/minidl.hpp>

#include "common/image_classifier.hpp"
#include "common/labelled_grid.hpp"
#include "common/overlay.hpp"

int main(int argc, char** argv) {
  CLI::App app("Preview the augmentation stack of train_cifar, epoch by epoch.");
  std::string data_dir, out_dir = "out";
  minidl::Index images = 6;
  int epochs = 5;
  std::uint64_t seed = 1;
  app.add_option("--data", data_dir, "Directory of CIFAR binary batches (default Fashion-MNIST)");
  app.add_option("--images", images, "Images, one per class in class order")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  app.add_option("--epochs", epochs, "Epochs to show")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  app.add_option("--seed", seed, "Seed of the augmentation draws")->capture_default_str();
  app.add_option("--out", out_dir, "Directory for augment_preview.png")->capture_default_str();
  bool masks = false;
  app.add_flag("--masks", masks, "Show a mask and a box per image, moved with it");
  CLI11_PARSE(app, argc, argv);

  try {
    std::filesystem::create_directories(out_dir);
    const minidl::TrainTest data = examples::load_dataset(data_dir);
    const minidl::LabeledImages& train = data.train;
    // Image k is the first image of class k (the second of class k - classes, ...).
    const std::size_t classes = train.class_names.size();
    std::vector<minidl::Index> picked;
    for (minidl::Index k = 0; k < images; ++k) {
      const auto wanted = std::int32_t(std::size_t(k) % classes);
      std::size_t skip = std::size_t(k) / classes;
      for (std::size_t i = 0; i < train.labels.size(); ++i) {
        if (train.labels[i] == wanted && skip-- == 0) {
          picked.push_back(minidl::Index(i));
          break;
        }
      }
    }
    if (picked.empty()) throw minidl::Error("the dataset has no image of class 0");
    images = minidl::Index(picked.size());
    const minidl::Tensor originals = train.images.gather(picked.data(), images);

    // The same layers, in the same order, as at the front of train_cifar's model.
    minidl::Sequential stack(seed, "augmentation");
    examples::add_augmentation(stack);
    stack.build(train.images.sample_shape());
    auto& flip = static_cast<minidl::RandomFlip&>(stack.layer(0));
    auto& rotation = static_cast<minidl::RandomRotation&>(stack.layer(1));
    auto& translation = static_cast<minidl::RandomTranslation&>(stack.layer(2));

    // With --masks every picture is the RGB overlay of the image, its mask and its box.
    const minidl::AnnotatedImages annotated = examples::annotate_foreground(originals, 40.0f);
    const minidl::Tensor shown = masks ? examples::overlay(annotated) : originals.share();
    const minidl::Index sample = shown.size() / images;
    minidl::Tensor grid(shown.shape().without_batch().with_batch(images * (epochs + 1)));
    std::vector<std::string> draws(static_cast<std::size_t>(images));
    for (minidl::Index i = 0; i < images; ++i)
      std::copy(shown.data() + i * sample, shown.data() + (i + 1) * sample,
                grid.data() + i * (epochs + 1) * sample);
    for (int e = 0; e < epochs; ++e) {
      // What fit does at the start of epoch e: every layer restarts its stream at (seed, e).
      for (std::size_t l = 0; l < stack.size(); ++l) stack.layer(l).start_epoch(std::uint64_t(e));
      minidl::Tensor views;
      if (masks) {
        minidl::AnnotatedImages a{annotated.images.share(), annotated.masks.share(),
                                  annotated.boxes};
        for (std::size_t l = 0; l < stack.size(); ++l) {
          a = static_cast<minidl::AugmentationLayer&>(stack.layer(l))(a, /*training=*/true);
        }
        views = examples::overlay(a);
      } else {
        views = stack.forward(originals, /*training=*/true);
      }
      for (minidl::Index i = 0; i < images; ++i) {
        std::copy(views.data() + i * sample, views.data() + (i + 1) * sample,
                  grid.data() + (i * (epochs + 1) + e + 1) * sample);
        const minidl::AffineTransform& t = translation.last_transforms()[std::size_t(i)];
        draws[std::size_t(i)] +=
            fmt::format("  epoch {}: {:<9} {:+5.1f} deg  shift ({:+.1f}, {:+.1f}) px\n", e + 1,
                        flip.last_flips()[std::size_t(i)].horizontal ? "flipped" : "unflipped",
                        rotation.last_angles()[std::size_t(i)], -t.a2, -t.b2);
      }
    }

    std::vector<std::string> columns = {"original"}, rows;
    for (int e = 1; e <= epochs; ++e) columns.push_back("epoch " + std::to_string(e));
    for (minidl::Index i = 0; i < images; ++i) {
      const std::string& name =
          train.class_names[std::size_t(train.labels[std::size_t(picked[std::size_t(i)])])];
      rows.push_back(name);
      fmt::print("image {} ({}), training image #{}:\n{}", i, name, picked[std::size_t(i)],
                 draws[std::size_t(i)]);
    }
    const std::string path = out_dir + "/augment_preview.png";
    examples::write_labelled_grid(path, grid, epochs + 1, columns, rows,
                                  train.images.shape()[1] < 48 ? 3 : 1);
    fmt::print("wrote {}: {} images x (original + {} epochs)\n", path, images, epochs);
    return 0;
  } catch (const minidl::Error& e) {
    fmt::print(stderr, "augment_preview: {}\n", e.what());
    return 1;
  }
}
