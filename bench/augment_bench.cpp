#include "augment_bench.hpp"

#include <chrono>
#include <functional>
#include <memory>

#include <minidl/minidl.hpp>

#include "median.hpp"
#include "reference_cnn.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr minidl::Index kBatch = 64;

struct Entry {
  std::string name;
  std::shared_ptr<minidl::Layer> layer;
};

// Every augmentation layer, with the arguments of a typical recipe (probabilities 1 where the
// layer has one, so that the work is always done).
std::vector<Entry> layers() {
  using namespace minidl;
  std::vector<Entry> all;
  auto add = [&](const std::string& name, auto layer) {
    all.push_back({name, std::make_shared<decltype(layer)>(std::move(layer))});
  };
  add("RandomFlip", RandomFlip("horizontal"));
  add("RandomRotation", RandomRotation(0.1f));
  add("RandomTranslation", RandomTranslation(0.1f, 0.1f));
  add("RandomZoom", RandomZoom(0.2f));
  add("RandomShear", RandomShear(0.2f, 0.2f));
  add("RandomPerspective", RandomPerspective(1.0f, 0.5f));
  add("RandomElasticTransform", RandomElasticTransform(1.0f, 1.0f));
  add("RandomBrightness", RandomBrightness(0.2f));
  add("RandomContrast", RandomContrast(0.2f));
  add("RandomHue", RandomHue(0.2f));
  add("RandomSaturation", RandomSaturation(FactorRange(0.3f, 0.7f)));
  add("RandomColorJitter", RandomColorJitter(ValueRange{}, 0.2f, 0.2f, 0.4f, 0.1f));
  add("RandomGrayscale", RandomGrayscale(1.0f));
  add("RandomColorDegeneration", RandomColorDegeneration(0.5f));
  add("RandomSharpness", RandomSharpness(0.5f));
  add("RandomPosterization", RandomPosterization(FactorRange(4, 6)));
  add("Solarization", Solarization(0.0f, FactorRange(0.5f, 1.0f)));
  add("RandomInvert", RandomInvert(1.0f));
  add("RandomGaussianBlur", RandomGaussianBlur(1.0f, 3, FactorRange(0.1f, 2.0f)));
  add("RandomErasing", RandomErasing(1.0f));
  add("RandAugment", RandAugment());
  add("AugMix", AugMix());
  add("AutoContrast", AutoContrast());
  add("Equalization", Equalization());
  return all;
}

minidl::Tensor pixels(minidl::Index size) {
  minidl::Generator rng(1);
  minidl::Tensor x(minidl::Shape{kBatch, size, size, 3});
  for (minidl::Index i = 0; i < x.size(); ++i) x[i] = std::round(rng.uniform(0.0f, 255.0f));
  return x;
}

// Median seconds per call of f over `reps` blocks of about 0.3 s.
double seconds_per_call(const std::function<void()>& f, int reps) {
  for (int i = 0; i < 2; ++i) f();
  const auto t0 = Clock::now();
  f();
  const double one = std::chrono::duration<double>(Clock::now() - t0).count();
  const int calls = std::max(1, int(0.3 / std::max(one, 1e-6)));
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    for (int k = 0; k < calls; ++k) f();
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count() / calls);
  }
  return median(times);
}

}  // namespace

std::vector<std::pair<std::string, double>> run_augment_benches(int reps, const std::string& only) {
  std::vector<std::pair<std::string, double>> results;
  for (const minidl::Index size : {32, 224}) {
    const minidl::Tensor x = pixels(size);
    // What any layer that writes a new batch cannot beat: copying the batch into a new tensor.
    const std::string copy = "copy_" + std::to_string(size) + "_images_per_s";
    if (only.empty() || copy.find(only) != std::string::npos)
      results.emplace_back(copy, kBatch / seconds_per_call([&] { x.clone(); }, reps));
    for (Entry& e : layers()) {
      const std::string name = e.name + "_" + std::to_string(size) + "_images_per_s";
      if (!only.empty() && name.find(only) == std::string::npos) continue;
      minidl::Layer& layer = *e.layer;
      results.emplace_back(name,
                           kBatch / seconds_per_call([&] { layer(x, /*training=*/true); }, reps));
    }
  }
  // The recipe stack against a training step of the reference CNN, both at batch 64, 32x32.
  if (only.empty() ||
      std::string("randaugment_erasing_share_of_step").find(only) != std::string::npos) {
    const minidl::Tensor x = pixels(32);
    minidl::Tensor y(minidl::Shape{kBatch});
    for (minidl::Index i = 0; i < kBatch; ++i) y[i] = float(i % 10);
    minidl::RandAugment augment;
    minidl::RandomErasing erasing(0.25f);
    minidl::Sequential model = reference_cnn();
    const double stack = seconds_per_call([&] { erasing(augment(x, true), true); }, reps);
    const double step = seconds_per_call([&] { model.train_on_batch(x, y); }, reps);
    results.emplace_back("randaugment_erasing_ms", 1000.0 * stack);
    results.emplace_back("train_step_ms", 1000.0 * step);
    results.emplace_back("randaugment_erasing_share_of_step", stack / step);
  }
  return results;
}
