// Embedding minidl: train a small classifier, checkpoint it, and load the checkpoint into a
// second model as another program would; then save the whole model (a minidl model file and a
// Keras .keras archive) and load each back without rebuilding it in code. Exits 0 when every
// reloaded model predicts exactly as the trained one.
//   embed DIR   (DIR receives spirals.weights, spirals.minidl and spirals.keras)
#include <cstdio>
#include <cstring>

#include <minidl/layers/dense.hpp>  // single headers work, as does the umbrella below
#include <minidl/minidl.hpp>

minidl::Sequential make_model(std::uint64_t seed) {
  minidl::Sequential model(seed);
  model.add(minidl::Dense(32, "relu"));
  model.add(minidl::Dense(2));
  model.build(minidl::Shape{2});
  model.compile(minidl::Adam(0.01f), minidl::SparseCategoricalCrossentropy(/*from_logits=*/true),
                {"accuracy"});
  return model;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: embed DIR\n");
    return 2;
  }
  try {
    const minidl::LabelledData train = minidl::make_spirals(300, 0.05f, 1);
    const minidl::LabelledData test = minidl::make_spirals(100, 0.05f, 2);
    minidl::Sequential model = make_model(1);
    minidl::FitOptions options;
    options.epochs = 40;
    options.verbose = 0;
    model.fit(train.x, train.y, options);
    const std::string path = std::string(argv[1]) + "/spirals.weights";
    model.save_weights(path, /*include_optimizer=*/true);

    minidl::Sequential reloaded = make_model(2);
    reloaded.load_weights(path);
    const minidl::Tensor a = model.predict(test.x);
    auto same_as_trained = [&](minidl::Model& other) {
      const minidl::Tensor b = other.predict(test.x);
      return std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
    };
    const float accuracy = reloaded.evaluate(test.x, test.y).at("accuracy");

    // The whole model: architecture, weights, optimizer.
    const std::string dir = argv[1];
    model.save(dir + "/spirals.minidl");
    minidl::save_keras_model(model, dir + "/spirals.keras");
    std::unique_ptr<minidl::Model> from_file = minidl::load_model(dir + "/spirals.minidl");
    std::unique_ptr<minidl::Model> from_keras = minidl::load_keras_model(dir + "/spirals.keras");
    const bool same =
        same_as_trained(reloaded) && same_as_trained(*from_file) && same_as_trained(*from_keras);
    std::printf("test accuracy %.3f, reloaded predictions %s\n", accuracy,
                same ? "identical" : "DIFFERENT");
    return same && accuracy > 0.6f ? 0 : 1;
  } catch (const minidl::Error& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 1;
  }
}
