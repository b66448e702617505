// Serving: one loaded model's predict called from 8 threads at once gives, in every thread, what
// serial calls give, bit for bit. `make tsan` runs this under ThreadSanitizer.
#include <cstring>
#include <thread>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "every_layer_model.hpp"
#include "fit_options.hpp"
#include "identical.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;

namespace {

constexpr int kThreads = 8;

// Each thread predicts its own inputs `rounds` times (batches of different sizes, the last one
// ragged); every result must equal the serial one.
template <class Inputs, class Predict>
void check_concurrent(const std::vector<Inputs>& inputs, Predict predict, int rounds) {
  std::vector<std::vector<Tensor>> serial;
  for (const Inputs& in : inputs) serial.push_back(predict(in));
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        const std::vector<Tensor> got = predict(inputs[std::size_t(t)]);
        for (std::size_t o = 0; o < got.size(); ++o) {
          if (!identical(got[o], serial[std::size_t(t)][o])) ++mismatches[std::size_t(t)];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t);
    CHECK(mismatches[std::size_t(t)] == 0);
  }
}

}  // namespace

TEST_CASE("8 threads predicting with one loaded Functional model get the serial results") {
  TempDir dir;
  {
    Model model = every_layer_functional(2);
    const EveryLayerData data = every_layer_data(16, 5);
    model.fit(data.xs, data.ys, quiet(1, 8));
    model.save(dir.file("m.minidl"));
  }
  std::unique_ptr<Model> model = load_model(dir.file("m.minidl"));
  std::vector<std::vector<Tensor>> inputs;
  for (int t = 0; t < kThreads; ++t) inputs.push_back(every_layer_data(5 + t, 100 + t).xs);
  check_concurrent(
      inputs, [&](const std::vector<Tensor>& xs) { return model->predict(xs, 4); }, 3);
}

TEST_CASE("8 threads predicting with one loaded ResNet-20 get the serial results") {
  TempDir dir;
  resnet20(Shape{16, 16, 3}, 10, 4).save(dir.file("resnet.minidl"));
  std::unique_ptr<Model> model = load_model(dir.file("resnet.minidl"));
  std::vector<Tensor> inputs;
  Generator rng(8);
  for (int t = 0; t < kThreads; ++t) {
    Tensor x(Shape{3 + t, 16, 16, 3});
    for (Index i = 0; i < x.size(); ++i) x[i] = rng.uniform(0.0f, 1.0f);
    inputs.push_back(std::move(x));
  }
  check_concurrent(
      inputs,
      [&](const Tensor& x) {
        std::vector<Tensor> out;
        out.push_back(model->predict(x, 4));
        return out;
      },
      2);
}
