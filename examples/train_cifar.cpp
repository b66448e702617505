// Trains a CNN (or ResNet-20) that starts with augmentation layers on Fashion-MNIST (the default)
// or CIFAR, with a Keras-style progress display, and writes out/history.csv and out/history.png.
//   build/examples/train_cifar [--model cnn|resnet20] [--data DIR] [--epochs N] [--batch-size B]
//                              [--learning-rate LR] [--seed S] [--threads T] [--no-augment]
//                              [--out DIR] [--resume EPOCH]
//                              [--recipe none|basic|basic+erasing|randaugment+mixup]
// The trained model is saved to out/model.minidl, with the class names: examples/classify uses it;
// a checkpoint (weights and optimizer) to out/checkpoint.weights after every epoch, from which
// --resume EPOCH continues as if never stopped.
// Under mpirun (a build with MPI) it trains one model on all the processes, data-parallel: the
// batch size is the global batch, and rank 0 alone prints and writes files.
//   mpirun -np 2 build/examples/train_cifar --model resnet20
// The CNN trains with Adam, ResNet-20 with SGD (momentum 0.9, weight decay 1e-4 as He et al.);
// the learning rate follows a cosine from LR down to 0 over the epochs.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <minidl/minidl.hpp>
#ifdef MINIDL_EXAMPLES_MPI
#include <minidl/core/mpi/mpi_communicator.hpp>
#endif

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

// The processes of an mpirun launch, or none when started alone (or built without MPI).
std::shared_ptr<minidl::Communicator> mpi_world_if_launched() {
#ifdef MINIDL_EXAMPLES_MPI
  if (minidl::MpiCommunicator::launched()) return std::make_shared<minidl::MpiCommunicator>();
#endif
  return nullptr;
}

// Threads per process when neither --threads nor OMP_NUM_THREADS gives them: the cores shared by
// the processes on this machine.
int default_threads(const minidl::Communicator* world) {
#ifdef MINIDL_EXAMPLES_MPI
  const auto* mpi = dynamic_cast<const minidl::MpiCommunicator*>(world);
  if (mpi && !std::getenv("OMP_NUM_THREADS")) {
    return std::max(1, minidl::default_num_threads() / mpi->ranks_on_this_host());
  }
#endif
  (void)world;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Train a CNN with augmentation layers on Fashion-MNIST or CIFAR.");
  std::string data_dir, out_dir = "out", model_name = "cnn";
  int epochs = 10, threads = 0, resume_epoch = 0;
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
  app.add_option("--threads", threads,
                 "Threads (0: the cores, shared by the processes on this machine)")
      ->capture_default_str();
  app.add_flag("--no-augment", no_augment, "Train without the augmentation layers (--recipe none)");
  std::string recipe_name = "basic";
  app.add_option("--recipe", recipe_name,
                 "Augmentation: none; basic (flip, small rotation and shift); basic+erasing "
                 "(basic, then RandomErasing); randaugment+mixup (flip, RandAugment, "
                 "RandomErasing, MixUp)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "basic", "basic+erasing", "randaugment+mixup"}));
  std::string dtype_policy = "float32";
  app.add_option("--dtype-policy", dtype_policy,
                 "float32, or mixed_bfloat16 (Conv2D and Dense multiply in bfloat16)")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "mixed_bfloat16"}));
  app.add_option("--out", out_dir, "Directory for history.csv, history.png and checkpoints")
      ->capture_default_str();
  app.add_option("--resume", resume_epoch,
                 "Continue from out/checkpoint.weights, written after this many epochs")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (fashion && !data_dir.empty()) {
    fmt::print(stderr, "--fashion-mnist and --data exclude each other\n");
    return 2;
  }

  const std::shared_ptr<minidl::Communicator> world = mpi_world_if_launched();
  const bool rank0 = !world || world->rank() == 0;
  try {
    minidl::set_num_threads(threads > 0 ? threads : default_threads(world.get()));
    const examples::Recipe recipe =
        no_augment ? examples::Recipe::None : examples::parse_recipe(recipe_name);
    const bool mixup = recipe == examples::Recipe::RandAugmentMixUp;
    if (rank0) std::filesystem::create_directories(out_dir);
    minidl::TrainTest data = examples::load_dataset(data_dir, rank0);
    const std::vector<std::string> class_names = data.train.class_names;
    const int classes = static_cast<int>(class_names.size());
    const minidl::Shape sample = data.train.images.sample_shape();
    const minidl::Index count = data.train.count();
    const auto validation_count = static_cast<minidl::Index>(count * validation_fraction);
    const minidl::Index train_count = count - validation_count;
    if (rank0) {
      fmt::print("{} training, {} validation, {} test images of {}, {} classes, {} threads",
                 train_count, validation_count, data.test.count(), sample.str(), classes,
                 minidl::num_threads());
      fmt::print(world ? fmt::format(" in each of {} processes\n", world->size()) : "\n");
    }

    // MixUp mixes the training batches; on the others it only makes one-hot labels, so that the
    // same loss (CategoricalCrossentropy) scores them.
    minidl::MixUp mixing(0.2f, classes, seed);
    auto labels = [&](minidl::Dataset d, bool training) {
      return mixup ? d.map(mixing, training) : d;
    };
    const minidl::Dataset all(std::move(data.train));
    const minidl::Dataset train =
        labels(all.take(train_count).shuffle(seed).batch(batch_size), true).prefetch(2);
    const minidl::Dataset validation = labels(all.skip(train_count).batch(256), false);
    const minidl::Dataset test = labels(minidl::Dataset(std::move(data.test)).batch(256), false);

    const bool resnet = model_name == "resnet20";
    const float learning_rate = learning_rate_option.value_or(resnet ? 0.1f : 2e-3f);
    std::unique_ptr<minidl::Model> network;
    std::unique_ptr<minidl::Optimizer> optimizer;
    if (resnet) {
      network =
          std::make_unique<minidl::Model>(examples::make_resnet20(sample, classes, recipe, seed));
      optimizer = std::make_unique<minidl::SGD>(learning_rate, /*momentum=*/0.9f);
      optimizer->set_weight_decay(1e-4f);
    } else {
      network = std::make_unique<minidl::Sequential>(
          examples::make_classifier(sample, classes, recipe, seed));
      optimizer = std::make_unique<minidl::Adam>(learning_rate);
    }
    minidl::Model& model = *network;
    model.set_dtype_policy(dtype_policy);
    if (rank0) model.summary();
    std::unique_ptr<minidl::Loss> loss;
    if (mixup) {
      loss = std::make_unique<minidl::CategoricalCrossentropy>(/*from_logits=*/true);
    } else {
      loss = std::make_unique<minidl::SparseCategoricalCrossentropy>(/*from_logits=*/true);
    }
    model.compile(std::move(optimizer), std::move(loss), {"accuracy"});
    const std::string checkpoint = out_dir + "/checkpoint.weights";
    // Rank 0 reads it; fit starts the other processes from rank 0's weights and optimizer.
    if (resume_epoch > 0 && rank0) model.load_weights(checkpoint);
    if (world) model.distribute(world);

    auto timer = std::make_shared<EpochTimer>();
    minidl::FitOptions options;
    options.epochs = epochs;
    options.initial_epoch = std::min(resume_epoch, epochs);
    options.callbacks = {std::make_shared<minidl::LearningRateScheduler>([=](int epoch, float) {
                           return learning_rate * 0.5f *
                                  (1.0f + std::cos(float(M_PI) * epoch / epochs));
                         }),
                         std::make_shared<minidl::CSVLogger>(out_dir + "/history.csv",
                                                             /*append=*/resume_epoch > 0),
                         std::make_shared<minidl::ModelCheckpoint>(checkpoint), timer};
    const minidl::History history = model.fit(train, validation, options);

    const minidl::Logs result = model.evaluate(test);
    if (!rank0 || timer->seconds.empty()) return 0;
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
    if (world) world->abort("train_cifar: " + std::string(e.what()));
    fmt::print(stderr, "train_cifar: {}\n", e.what());
    return 1;
  }
}
