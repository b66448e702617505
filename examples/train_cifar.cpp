// Trains a CNN (or ResNet-20) that starts with augmentation layers on Fashion-MNIST (the default)
// or CIFAR, with a Keras-style progress display, and writes out/history.csv and out/history.png.
//   build/examples/train_cifar [--model cnn|resnet20] [--data DIR] [--epochs N] [--batch-size B]
//                              [--learning-rate LR] [--seed S] [--threads T] [--no-augment]
//                              [--out DIR]
// The trained model is saved to out/model.minidl, with the class names: examples/classify uses it.
// The CNN trains with Adam, ResNet-20 with SGD (momentum 0.9, weight decay 1e-4 as He et al.);
// the learning rate follows a cosine from LR down to 0 over the epochs.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <minidl/minidl.hpp>

#include "common/image_classifier.hpp"
#include "common/plot_history.hpp"

namespace {

// Wall-clock seconds of each epoch, training and validation together.
class EpochTimer : public minidl::Callback {
 public:
  void on_epoch_begin(int) override { start_ = Clock::now(); }
  void on_epoch_end(int, const minidl::Logs&) override {
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start_).count());
  }
  std::vector<double> seconds;

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Train a CNN with augmentation layers on Fashion-MNIST or CIFAR.");
  std::string data_dir, out_dir = "out", model_name = "cnn";
  int epochs = 10, threads = 0;
  minidl::Index batch_size = 64;
  std::optional<float> learning_rate_option;
  float validation_fraction = 0.1f;
  std::uint64_t seed = 1;
  bool no_augment = false, fashion = false;
  app.add_option("--model", model_name, "The network: cnn, or resnet20 (He et al. 2016)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cnn", "resnet20"}));
  app.add_option("--data", data_dir, "Directory of CIFAR-10 (or CIFAR-100) binary batches");
  app.add_flag("--fashion-mnist", fashion,
               "Use the Debian package's Fashion-MNIST (the default without --data)");
  app.add_option("--epochs", epochs, "Epochs to train")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batch-size", batch_size, "Samples per batch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--learning-rate", learning_rate_option,
                 "Initial learning rate (default: Adam's 2e-3 for cnn, SGD's 0.1 for resnet20)")
      ->check(CLI::PositiveNumber);
  app.add_option("--validation", validation_fraction,
                 "Fraction of the training set held out for validation")
      ->capture_default_str()
      ->check(CLI::Range(0.01f, 0.5f));
  app.add_option("--seed", seed, "Seed of weights, shuffling and augmentation")
      ->capture_default_str();
  app.add_option("--threads", threads, "Threads (0: all cores)")->capture_default_str();
  app.add_flag("--no-augment", no_augment, "Train without the augmentation layers");
  app.add_option("--out", out_dir, "Directory for history.csv and history.png")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (fashion && !data_dir.empty()) {
    fmt::print(stderr, "--fashion-mnist and --data exclude each other\n");
    return 2;
  }

  try {
    minidl::set_num_threads(threads);
    std::filesystem::create_directories(out_dir);
    minidl::TrainTest data = examples::load_dataset(data_dir);
    const std::vector<std::string> class_names = data.train.class_names;
    const int classes = static_cast<int>(class_names.size());
    const minidl::Shape sample = data.train.images.sample_shape();
    const minidl::Index count = data.train.count();
    const auto validation_count = static_cast<minidl::Index>(count * validation_fraction);
    const minidl::Index train_count = count - validation_count;
    fmt::print("{} training, {} validation, {} test images of {}, {} classes, {} threads\n",
               train_count, validation_count, data.test.count(), sample.str(), classes,
               minidl::num_threads());

    const minidl::Dataset all(std::move(data.train));
    const minidl::Dataset train = all.take(train_count).shuffle(seed).batch(batch_size).prefetch(2);
    const minidl::Dataset validation = all.skip(train_count).batch(256);
    const minidl::Dataset test = minidl::Dataset(std::move(data.test)).batch(256);

    const bool resnet = model_name == "resnet20";
    const float learning_rate = learning_rate_option.value_or(resnet ? 0.1f : 2e-3f);
    std::unique_ptr<minidl::Model> network;
    std::unique_ptr<minidl::Optimizer> optimizer;
    if (resnet) {
      network = std::make_unique<minidl::Model>(
          examples::make_resnet20(sample, classes, !no_augment, seed));
      optimizer = std::make_unique<minidl::SGD>(learning_rate, /*momentum=*/0.9f);
      optimizer->set_weight_decay(1e-4f);
    } else {
      network = std::make_unique<minidl::Sequential>(
          examples::make_classifier(sample, classes, !no_augment, seed));
      optimizer = std::make_unique<minidl::Adam>(learning_rate);
    }
    minidl::Model& model = *network;
    model.summary();
    model.compile(std::move(optimizer),
                  std::make_unique<minidl::SparseCategoricalCrossentropy>(/*from_logits=*/true),
                  {"accuracy"});

    auto timer = std::make_shared<EpochTimer>();
    minidl::FitOptions options;
    options.epochs = epochs;
    options.callbacks = {std::make_shared<minidl::LearningRateScheduler>([=](int epoch, float) {
                           return learning_rate * 0.5f *
                                  (1.0f + std::cos(float(M_PI) * epoch / epochs));
                         }),
                         std::make_shared<minidl::CSVLogger>(out_dir + "/history.csv"), timer};
    const minidl::History history = model.fit(train, validation, options);

    const minidl::Logs result = model.evaluate(test);
    std::vector<double> sorted = timer->seconds;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted[sorted.size() / 2];
    double total = 0;
    for (double s : timer->seconds) total += s;
    fmt::print("test loss {:.4f}, test accuracy {:.4f}\n", result.at("loss"),
               result.at("accuracy"));
    fmt::print("{} epochs in {:.0f} s: median {:.1f} s per epoch, {:.0f} training images/s\n",
               history.epochs(), total, median, train_count / median);
    examples::plot_history(
        history, out_dir + "/history.png",
        fmt::format("{} ({})", model.name(), data_dir.empty() ? "Fashion-MNIST" : data_dir));
    model.metadata()["class_names"] = class_names;
    model.save(out_dir + "/model.minidl");
    fmt::print("wrote {0}/history.csv, {0}/history.png and {0}/model.minidl\n", out_dir);
    return 0;
  } catch (const minidl::Error& e) {
    fmt::print(stderr, "train_cifar: {}\n", e.what());
    return 1;
  }
}
