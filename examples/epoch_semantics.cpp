// "Do I ever train on the original image?" answered with numbers.
//   build/examples/epoch_semantics [--data DIR] [--images N] [--epochs E] [--seed S]
// 1. Over E epochs of fit, how many epochs showed each image unchanged, flipped only, or rotated
//    or shifted, next to the theoretical distribution.
// 2. predict/evaluate and a layer called with training=false leave images untouched.
// 3. What a Dataset map does with each training flag.
// Exits with 1 if a check of 2 or 3 fails.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <minidl/minidl.hpp>

#include "common/image_classifier.hpp"

namespace {

using minidl::Index;

double binomial(int n, int k, double p) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0)) *
         std::pow(p, k) * std::pow(1 - p, n - k);
}

Index differing_values(const minidl::Tensor& a, const minidl::Tensor& b) {
  Index n = 0;
  for (Index i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}

Index changed_images(const minidl::Tensor& a, const minidl::Tensor& b) {
  const Index sample = a.size() / a.dim(0);
  Index n = 0;
  for (Index i = 0; i < a.dim(0); ++i) {
    n += !std::equal(a.data() + i * sample, a.data() + (i + 1) * sample, b.data() + i * sample);
  }
  return n;
}

// Per image, in how many of `epochs` epochs the view `stack` made of it (as fit does: every
// layer restarted at (seed, epoch), training=true) was pixel for pixel the original, its mirror
// image, or something else (rotated or shifted). Pixels, not the drawn parameters, decide: with
// nearest-pixel sampling a shift of under half a pixel leaves an image as it was.
struct Tally {
  std::vector<int> unchanged, flipped_only, transformed;
};

Tally tally(minidl::Sequential& stack, const minidl::Tensor& x, int epochs) {
  const auto n = std::size_t(x.dim(0));
  const Index h = x.dim(1), w = x.dim(2), c = x.dim(3), size = h * w * c;
  minidl::Tensor mirrored(x.shape());
  for (std::size_t i = 0; i < n; ++i)
    minidl::flip_image(x.data() + i * size, mirrored.data() + i * size, h, w, c, true, false);
  Tally t{std::vector<int>(n), std::vector<int>(n), std::vector<int>(n)};
  for (int e = 0; e < epochs; ++e) {
    for (std::size_t l = 0; l < stack.size(); ++l) stack.layer(l).start_epoch(std::uint64_t(e));
    const minidl::Tensor views = stack.forward(x, /*training=*/true);
    for (std::size_t i = 0; i < n; ++i) {
      const float* v = views.data() + i * size;
      if (std::equal(v, v + size, x.data() + i * size)) {
        ++t.unchanged[i];
      } else if (std::equal(v, v + size, mirrored.data() + i * size)) {
        ++t.flipped_only[i];
      } else {
        ++t.transformed[i];
      }
    }
  }
  return t;
}

void print_distribution(const char* what, const std::vector<int>& per_image, int epochs, double p) {
  std::vector<int> histogram(std::size_t(epochs) + 1);
  for (int k : per_image) ++histogram[std::size_t(k)];
  fmt::print("  expected: images x Binomial({}, {}) probability\n", epochs, p);
  fmt::print("  {:>18}  {:>7}  {:>9}\n", std::string(what) + " epochs", "images", "expected");
  for (int k = 0; k <= epochs; ++k) {
    const double expected = per_image.size() * binomial(epochs, k, p);
    if (histogram[std::size_t(k)] == 0 && expected < 0.5) continue;
    fmt::print("  {:>18}  {:>7}  {:>9.1f}\n", k, histogram[std::size_t(k)], expected);
  }
}

double mean(const std::vector<int>& v) {
  double s = 0;
  for (int x : v) s += x;
  return s / double(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("How often does training see each image unchanged, and when is augmentation off?");
  std::string data_dir;
  Index images = 1000;
  int epochs = 10;
  std::uint64_t seed = 1;
  app.add_option("--data", data_dir, "Directory of CIFAR binary batches (default Fashion-MNIST)");
  app.add_option("--images", images, "Training images to follow")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--epochs", epochs, "Epochs")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--seed", seed, "Seed of the augmentation draws")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    minidl::TrainTest data = examples::load_dataset(data_dir);
    images = std::min(images, data.train.count());
    std::vector<Index> first(static_cast<std::size_t>(images));
    for (Index i = 0; i < images; ++i) first[std::size_t(i)] = i;
    const minidl::Tensor x = data.train.images.gather(first.data(), images);
    bool ok = true;

    fmt::print("\n1. {} images, {} epochs: how many epochs showed each image as it is?\n", images,
               epochs);
    minidl::Sequential flip_only(seed, "flip_only");
    flip_only.add(minidl::RandomFlip("horizontal"));
    flip_only.build(x.shape().without_batch());
    const Tally a = tally(flip_only, x, epochs);
    fmt::print(
        "RandomFlip(\"horizontal\") alone: each epoch flips each image with p = 0.5\n"
        "(an image that is its own mirror image counts as unchanged when flipped).\n");
    print_distribution("unchanged", a.unchanged, epochs, 0.5);
    fmt::print(
        "  mean {:.2f} unchanged epochs per image (expected {:.2f}); {} images never seen "
        "unchanged (expected {:.1f})\n",
        mean(a.unchanged), epochs * 0.5, std::count(a.unchanged.begin(), a.unchanged.end(), 0),
        images * binomial(epochs, 0, 0.5));

    minidl::Sequential stack(seed, "augmentation");
    examples::add_augmentation(stack);
    stack.build(x.shape().without_batch());
    const Tally b = tally(stack, x, epochs);
    fmt::print(
        "\ntrain_cifar's stack (RandomFlip, RandomRotation({0}), RandomTranslation({1}, {1}), "
        "nearest pixels):\n",
        examples::kRotation, examples::kTranslation);
    fmt::print(
        "  per image and epoch: unchanged {:.2f}, flipped only {:.2f}, rotated or shifted "
        "{:.2f} (of {})\n",
        mean(b.unchanged), mean(b.flipped_only), mean(b.transformed), epochs);
    fmt::print(
        "  in {} image-epochs the model saw {} originals and {} plain mirror images\n"
        "  (a shift under half a pixel and a tiny angle change no pixel); {} of {} images were\n"
        "  never seen as they are\n",
        images * epochs, std::accumulate(b.unchanged.begin(), b.unchanged.end(), 0),
        std::accumulate(b.flipped_only.begin(), b.flipped_only.end(), 0),
        std::count(b.unchanged.begin(), b.unchanged.end(), 0), images);

    fmt::print("\n2. Inference: augmentation is the identity.\n");
    const minidl::Tensor off = stack.forward(x, /*training=*/false);
    const Index off_diff = differing_values(off, x);
    fmt::print("  stack.forward(x, training=false): {} of {} values differ from x\n", off_diff,
               x.size());
    const minidl::Tensor predicted = stack.predict(x);
    const Index predict_diff = differing_values(predicted, x);
    fmt::print("  stack.predict(x): {} values differ from x\n", predict_diff);
    const minidl::Tensor on = stack.forward(x, /*training=*/true);
    fmt::print("  stack.forward(x, training=true): {} of {} images changed\n",
               changed_images(on, x), images);
    minidl::Sequential model =
        examples::make_classifier(x.shape().without_batch(), int(data.train.class_names.size()),
                                  examples::Recipe::Basic, seed);
    model.compile(minidl::Adam(), minidl::SparseCategoricalCrossentropy(true), {"accuracy"});
    const minidl::Tensor p1 = model.predict(x), p2 = model.predict(x);
    minidl::Tensor y(minidl::Shape{images});
    for (Index i = 0; i < images; ++i) y[i] = float(data.train.labels[std::size_t(i)]);
    const float e1 = model.evaluate(x, y).at("loss"), e2 = model.evaluate(x, y).at("loss");
    fmt::print(
        "  the CNN with augmentation: predict twice -> {} values differ; evaluate twice -> "
        "loss {:.6f} and {:.6f}\n",
        differing_values(p1, p2), e1, e2);
    ok = ok && off_diff == 0 && predict_diff == 0 && differing_values(p1, p2) == 0 && e1 == e2;

    fmt::print("\n3. A Dataset map (augmentation in the pipeline): the flag is the caller's.\n");
    minidl::RandomFlip flip("horizontal", seed);
    const minidl::Dataset plain = minidl::Dataset(data.train).take(images).batch(images);
    const minidl::Tensor original = plain.epoch(0).next()->x.clone();
    for (bool training : {true, false}) {
      const minidl::Dataset mapped = plain.map(flip, training);
      fmt::print("  map(flip, training={}):", training);
      Index changed = 0;
      for (std::uint64_t e = 0; e < 3; ++e) {
        const Index c = changed_images(mapped.epoch(e).next()->x, original);
        changed += c;
        fmt::print(" epoch {} changed {} of {} images;", e + 1, c, images);
      }
      fmt::print("\n");
      ok = ok && (training ? changed > 0 : changed == 0);
    }
    fmt::print("\n{}\n", ok ? "all checks hold" : "A CHECK FAILED");
    return ok ? 0 : 1;
  } catch (const minidl::Error& e) {
    fmt::print(stderr, "epoch_semantics: {}\n", e.what());
    return 1;
  }
}
