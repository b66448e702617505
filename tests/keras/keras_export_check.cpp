// Export checked by real Keras: writes minidl models with save_keras_model, with minidl's
// predictions, and runs check_export.py, which opens each with keras.saving.load_model and
// compares its predict within 1e-5 relative. Needs a Python with keras (MINIDL_KERAS_PYTHON, else
// python3): without one the program says so and exits with 77, which ctest reports as "Skipped".
// `make keras-check` makes such a Python in a venv and runs this.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <minidl/minidl.hpp>

#include "../every_layer_model.hpp"
#include "../fit_options.hpp"
#include "../temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;

namespace {

Json arrays(const std::vector<Tensor>& tensors) {
  Json list = Json::array();
  for (const Tensor& t : tensors) {
    std::vector<Index> shape;
    for (int d = 0; d < t.rank(); ++d) shape.push_back(t.dim(d));
    list.push_back({{"shape", shape}, {"data", std::vector<float>(t.data(), t.data() + t.size())}});
  }
  return list;
}

// With `step`, minidl also takes one training step on (xs, step labels) after the export and
// writes its predictions then: Keras, continuing from the file, must arrive at the same ones.
void export_with_predictions(Model& model, const std::vector<Tensor>& xs, const TempDir& dir,
                             const std::string& name, const Tensor* step = nullptr) {
  save_keras_model(model, dir.file(name + ".keras"));
  const Json outputs = arrays(model.predict(xs, 8));
  // The optimizer state Keras must take over: its step count and the sum of |slot| over slots.
  double slot_sum = 0.0;
  for (const std::vector<Tensor>& slots : model.optimizer().slots()) {
    for (const Tensor& slot : slots) {
      for (Index i = 0; i < slot.size(); ++i) slot_sum += std::fabs(slot[i]);
    }
  }
  const long iterations = model.optimizer().iterations();
  Json after_step;
  if (step) {
    model.train_on_batch(xs.at(0), *step);
    after_step = {{"labels", std::vector<float>(step->data(), step->data() + step->size())},
                  {"outputs", arrays(model.predict(xs, 8))}};
  }
  std::ofstream out(dir.file(name + "_minidl.json"));
  out << Json{{"inputs", arrays(xs)},
              {"outputs", outputs},
              {"optimizer", model.optimizer().name()},
              {"optimizer_iterations", iterations},
              {"optimizer_slot_abs_sum", slot_sum},
              {"after_step", after_step}}
             .dump();
}

}  // namespace

int main() {
  const char* configured = std::getenv("MINIDL_KERAS_PYTHON");
  const std::string python = configured && *configured ? configured : "python3";
  const std::string probe = python + " -c 'import keras' > /dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) {
    std::cout << "skipped: '" << python << "' cannot import keras (run `make keras-check`)\n";
    return 77;
  }
  TempDir dir;
  Model every = every_layer_functional(4, /*crop=*/12);
  EveryLayerData data = every_layer_data(16, 3);
  every.fit(data.xs, data.ys, quiet(2, 8));
  export_with_predictions(every, data.xs, dir, "every_layer_functional");

  Sequential cnn = every_layer_sequential(7);
  Tensor x(Shape{12, 9, 9, 2});
  Generator rng(1);
  for (Index i = 0; i < x.size(); ++i) x[i] = rng.uniform(-1.0f, 1.0f);
  Tensor y(Shape{12});
  for (Index i = 0; i < 12; ++i) y[i] = float(i % 3);
  cnn.fit(x, y, quiet(2, 4));
  std::vector<Tensor> cnn_inputs;
  cnn_inputs.push_back(std::move(x));
  export_with_predictions(cnn, cnn_inputs, dir, "every_layer_sequential");

  Model resnet = resnet20(Shape{16, 16, 3}, 10, 5);
  resnet.compile(SGD(0.1f, 0.9f), SparseCategoricalCrossentropy(true), {"accuracy"});
  Tensor images(Shape{8, 16, 16, 3}), labels(Shape{8});
  for (Index i = 0; i < images.size(); ++i) images[i] = rng.uniform(0.0f, 1.0f);
  for (Index i = 0; i < 8; ++i) labels[i] = float(i);
  resnet.fit(images, labels, quiet(2, 4));
  std::vector<Tensor> resnet_inputs;
  resnet_inputs.push_back(std::move(images));
  Tensor step_labels(Shape{8});
  for (Index i = 0; i < 8; ++i) step_labels[i] = float((i * 3) % 10);
  export_with_predictions(resnet, resnet_inputs, dir, "resnet20", &step_labels);

  const std::string check = python + " " + MINIDL_KERAS_CHECK_SCRIPT + " " + dir.path();
  const int status = std::system(check.c_str());
  return status == 0 ? 0 : 1;
}
