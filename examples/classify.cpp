// Classifies image files with a saved model: a minidl model file (Model::save, e.g. train_cifar's
// out/model.minidl) or a Keras 3 .keras archive. Each image (PNG, JPEG, ...) is read with the
// model's channel count, resized to its input (bilinear), given as pixel values 0..255 (the
// models of train_cifar start with their own Rescaling), and the top-k classes are printed with
// their probabilities and the class names stored in the model file's metadata ("class_names").
//   build/examples/classify out/model.minidl shirt.png boot.jpg [--top 3]
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <minidl/minidl.hpp>

namespace {

std::unique_ptr<minidl::Model> load_any(const std::string& path) {
  const bool keras = path.size() >= 6 && path.compare(path.size() - 6, 6, ".keras") == 0;
  return keras ? minidl::load_keras_model(path, /*compile=*/false) : minidl::load_model(path);
}

// The model's output as probabilities: a softmax unless it already is one (train_cifar's models
// end in logits, a Keras model often in a softmax).
std::vector<float> probabilities(const float* out, minidl::Index classes) {
  float sum = 0.0f;
  bool already = true;
  for (minidl::Index c = 0; c < classes; ++c) {
    already = already && out[c] >= 0.0f;
    sum += out[c];
  }
  std::vector<float> p(out, out + classes);
  if (already && std::fabs(sum - 1.0f) < 1e-3f) return p;
  const float top = *std::max_element(p.begin(), p.end());
  float total = 0.0f;
  for (float& v : p) total += v = std::exp(v - top);
  for (float& v : p) v /= total;
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Classify images with a saved minidl model or Keras .keras archive.");
  std::string model_path;
  std::vector<std::string> images;
  int top = 3;
  app.add_option("model", model_path, "A minidl model file or a .keras archive")->required();
  app.add_option("images", images, "Image files (PNG, JPEG, BMP, ...)")->required();
  app.add_option("--top", top, "How many classes to print per image")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    std::unique_ptr<minidl::Model> model = load_any(model_path);
    if (model->inputs().size() != 1 || model->outputs().size() != 1) {
      throw minidl::Error("classify takes a model with one image input and one output");
    }
    const minidl::Shape input = model->inputs()[0].shape();
    if (input.rank() != 3) {
      throw minidl::Error("classify needs an image input (H,W,C), the model takes " +
                          input.str_batched());
    }
    const minidl::Index classes = model->outputs()[0].shape()[0];
    std::vector<std::string> names;
    const minidl::Json& metadata = model->metadata();
    if (metadata.is_object() && metadata.contains("class_names")) {
      names = metadata["class_names"].get<std::vector<std::string>>();
    }
    minidl::Resizing resize(input[0], input[1], "bilinear");
    for (const std::string& path : images) {
      const minidl::ImageArray image = minidl::read_image(path, static_cast<int>(input[2]));
      const minidl::Tensor pixels = resize(image.to_tensor(), /*training=*/false);
      const minidl::Tensor out = model->predict(pixels);
      const std::vector<float> p = probabilities(out.data(), classes);
      std::vector<minidl::Index> order(static_cast<std::size_t>(classes));
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](auto a, auto b) { return p[a] > p[b]; });
      fmt::print("{} ({}x{} -> {}x{}):\n", path, image.shape()[1], image.shape()[2], input[0],
                 input[1]);
      for (int k = 0; k < std::min<int>(top, int(classes)); ++k) {
        const minidl::Index c = order[std::size_t(k)];
        const std::string name =
            std::size_t(c) < names.size() ? names[std::size_t(c)] : "class " + std::to_string(c);
        fmt::print("  {:5.1f}%  {}\n", 100.0f * p[std::size_t(c)], name);
      }
    }
    return 0;
  } catch (const minidl::Error& e) {
    fmt::print(stderr, "classify: {}\n", e.what());
    return 1;
  }
}
