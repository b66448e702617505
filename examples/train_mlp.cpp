// A Dense network learns the two-spirals problem: the smallest end-to-end use of minidl.
//   build/examples/train_mlp [epochs]
#include <cstdlib>

#include <fmt/core.h>

#include <minidl/minidl.hpp>

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 100;
  const minidl::LabelledData train = minidl::make_spirals(1000, 0.02f, /*seed=*/1);
  const minidl::LabelledData test = minidl::make_spirals(500, 0.02f, /*seed=*/2);

  minidl::Sequential model(/*seed=*/42);
  model.add(minidl::Dense(64, "relu"));
  model.add(minidl::Dense(64, "relu"));
  model.add(minidl::Dense(2));
  model.build(minidl::Shape{2});
  model.summary();
  model.compile(minidl::Adam(0.01f), minidl::SparseCategoricalCrossentropy(/*from_logits=*/true),
                {"accuracy"});

  minidl::FitOptions options;
  options.epochs = epochs;
  options.batch_size = 32;
  options.validation_split = 0.1f;
  model.fit(train.x, train.y, options);

  const minidl::Logs result = model.evaluate(test.x, test.y);
  fmt::print("test loss {:.4f}, test accuracy {:.4f}\n", result.at("loss"), result.at("accuracy"));
  return 0;
}
