// Helper of test_model_file: in a process of its own, loads a model file saved mid-training,
// trains it on from epoch argv[2] to argv[3] on the every-layer data, and saves the result to
// argv[4], so that the test compares it with an uninterrupted run.
#include <cstdlib>
#include <iostream>

#include <minidl/minidl.hpp>

#include "every_layer_model.hpp"
#include "fit_options.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: model_file_resume MODEL INITIAL_EPOCH EPOCHS OUT\n";
    return 2;
  }
  try {
    std::unique_ptr<minidl::Model> model = minidl::load_model(argv[1]);
    const minidl::testing::EveryLayerData data = minidl::testing::every_layer_data(24, 8);
    model->fit(data.xs, data.ys, minidl::testing::quiet(std::atoi(argv[3]), 8, std::atoi(argv[2])));
    model->save(argv[4]);
    return 0;
  } catch (const minidl::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
