// Reads the real Fashion-MNIST files of the Debian package dataset-fashion-mnist. Without them
// the program prints why and exits with 77, which ctest reports as "Skipped".
#define CATCH_CONFIG_RUNNER
#include <sys/stat.h>

#include <array>
#include <cstdio>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

using namespace minidl;

TEST_CASE("the Debian Fashion-MNIST files load with 6,000 training images per class") {
  const TrainTest data = load_fashion_mnist();
  CHECK(data.train.images.shape() == Shape{60000, 28, 28, 1});
  CHECK(data.test.images.shape() == Shape{10000, 28, 28, 1});
  std::array<Index, 10> train{}, test{};
  for (std::int32_t l : data.train.labels) ++train.at(std::size_t(l));
  for (std::int32_t l : data.test.labels) ++test.at(std::size_t(l));
  for (std::size_t c = 0; c < 10; ++c) {
    CHECK(train[c] == 6000);
    CHECK(test[c] == 1000);
  }
  // Real images, not blank: mean pixel value about 72.9 for the training set (bytes 0..255).
  double sum = 0;
  for (Index i = 0; i < data.train.images.shape().size(); ++i) sum += data.train.images.data()[i];
  CHECK(sum / double(data.train.images.shape().size()) == Approx(72.94).margin(0.1));
}

TEST_CASE("MixUp and CutMix in fit train a small CNN to a sensible accuracy on Fashion-MNIST") {
  const TrainTest data = load_fashion_mnist();
  const Dataset all(data.train);
  const Dataset test = Dataset(data.test).take(2000).batch(256);
  for (const bool cut : {false, true}) {
    INFO((cut ? "CutMix" : "MixUp"));
    MixUp mix(0.2f, 10, 1);
    CutMix cutmix(1.0f, 10, 1);
    LabelMixing& mixing = cut ? static_cast<LabelMixing&>(cutmix) : mix;
    const Dataset train = all.take(12000).shuffle(1).batch(64).map(mixing, /*training=*/true);
    Sequential model(1);
    model.add(Rescaling(1.0f / 255));
    model.add(Conv2D(16, 3, 1, "same", "relu"));
    model.add(MaxPooling2D(2));
    model.add(Flatten());
    model.add(Dense(10));
    model.compile(Adam(2e-3f), CategoricalCrossentropy(/*from_logits=*/true), {"accuracy"});
    FitOptions options;
    options.epochs = 3;
    options.verbose = 0;
    model.fit(train, options);
    const Logs logs = model.evaluate(test.map(mixing, /*training=*/false));
    CHECK(logs.at("accuracy") > 0.80f);
  }
}

int main(int argc, char* argv[]) {
  struct stat info {};
  const std::string file = std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz";
  if (::stat(file.c_str(), &info) != 0) {
    std::printf("skipped: %s is absent (apt-get install dataset-fashion-mnist)\n", file.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
