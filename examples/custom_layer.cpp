// A user-defined layer, trained in a model, saved to a model file and loaded back: what a layer
// needs to take part in everything the built-in ones do.
//   forward/backward  the computation and its gradient (parameters() for trainable weights)
//   get_config        its constructor's arguments, so that a model file can describe it
//   register_layer    a factory by class name, so that load_model can make it again
//   build/examples/custom_layer [--out DIR]
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <minidl/minidl.hpp>

namespace {

// y = x * sigmoid(beta * x) (Swish), with one trainable beta per channel (the last axis).
class LearnedSwish : public minidl::Layer {
 public:
  explicit LearnedSwish(float initial_beta = 1.0f) : initial_beta_(initial_beta) {}

  std::string type() const override { return "LearnedSwish"; }
  minidl::Json get_config() const override { return {{"initial_beta", initial_beta_}}; }

  minidl::Tensor forward(const minidl::Tensor& x, bool training) override {
    check_input(x);
    minidl::Tensor y(x.shape());
    const minidl::Index channels = beta_.value.size();
    for (minidl::Index i = 0; i < x.size(); ++i) {
      const float b = beta_.value[i % channels];
      y[i] = x[i] / (1.0f + std::exp(-b * x[i]));
    }
    if (training) input_ = x.clone();  // backward needs x
    return y;
  }

  minidl::Tensor backward(const minidl::Tensor& dy) override {
    const minidl::Index channels = beta_.value.size();
    minidl::Tensor dx(dy.shape());
    for (minidl::Index i = 0; i < dy.size(); ++i) {
      const float x = input_[i], b = beta_.value[i % channels];
      const float s = 1.0f / (1.0f + std::exp(-b * x));
      dx[i] = dy[i] * (s + b * x * s * (1.0f - s));
      beta_.grad[i % channels] += dy[i] * x * x * s * (1.0f - s);
    }
    return dx;
  }

  std::vector<minidl::Parameter*> parameters() override { return {&beta_}; }

 protected:
  minidl::Shape build_impl(const minidl::Shape& sample_shape) override {
    const minidl::Shape channels{sample_shape[sample_shape.rank() - 1]};
    beta_.value = minidl::Tensor(channels, initial_beta_);
    beta_.grad = minidl::Tensor::zeros(channels);
    return sample_shape;
  }

 private:
  float initial_beta_;
  minidl::Parameter beta_{"beta", {}, {}};
  minidl::Tensor input_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("A user-defined layer: trained, saved in a model file, loaded back.");
  std::string out_dir = "out";
  app.add_option("--out", out_dir, "Directory for custom_layer.minidl")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    // Once, before any model file with the layer is loaded.
    minidl::register_layer("LearnedSwish", [](const minidl::LayerConfig& config) {
      return std::make_unique<LearnedSwish>(config.number("initial_beta"));
    });

    minidl::Sequential model(/*seed=*/3, "swish_mlp");
    model.add(minidl::Flatten());
    model.add(minidl::Dense(16));
    model.add(LearnedSwish(0.5f));
    model.add(minidl::Dense(3));
    model.build(minidl::Shape{4, 4});
    model.compile(minidl::Adam(0.02f), minidl::SparseCategoricalCrossentropy(true), {"accuracy"});

    // Three classes: which third of the 4x4 input holds the larger values.
    minidl::Tensor x(minidl::Shape{90, 4, 4}), y(minidl::Shape{90});
    minidl::Generator rng(1);
    for (minidl::Index n = 0; n < 90; ++n) {
      y[n] = float(n % 3);
      for (minidl::Index i = 0; i < 16; ++i) {
        x[n * 16 + i] = rng.uniform(0.0f, 1.0f) + (i * 3 / 16 == n % 3 ? 1.0f : 0.0f);
      }
    }
    minidl::FitOptions options;
    options.epochs = 20;
    options.verbose = 0;
    const minidl::History history = model.fit(x, y, options);
    fmt::print("trained: loss {:.3f}, accuracy {:.2f}; beta of the first channels {:.3f} {:.3f}\n",
               history.history.at("loss").back(), history.history.at("accuracy").back(),
               model.layer("learned_swish").parameters()[0]->value[0],
               model.layer("learned_swish").parameters()[0]->value[1]);

    std::filesystem::create_directories(out_dir);
    const std::string path = out_dir + "/custom_layer.minidl";
    model.save(path);
    std::unique_ptr<minidl::Model> loaded = minidl::load_model(path);
    const minidl::Tensor a = model.predict(x), b = loaded->predict(x);
    const bool same = std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
    fmt::print("saved {} and loaded it back: predictions {}\n", path,
               same ? "identical" : "DIFFERENT");
    return same ? 0 : 1;
  } catch (const minidl::Error& e) {
    fmt::print(stderr, "custom_layer: {}\n", e.what());
    return 1;
  }
}
