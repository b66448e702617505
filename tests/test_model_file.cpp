// Model files: save/load round trips of every layer type (bit-identical predictions and configs),
// training resumed from a loaded file bit-identically, user layers through the registry, and bad
// files (truncated, mutated, wrong configs), each an Error naming the file.
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "every_layer_model.hpp"
#include "fit_options.hpp"
#include "identical.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;
using Catch::Contains;

namespace {

FitOptions batches_of(int epochs, Index batch, int initial_epoch = 0) {
  return quiet(epochs, batch, initial_epoch);
}

// The model file's JSON, edited, written back as a valid file (right CRC): what a hand-edited or
// mis-generated file looks like to the loader.
void edit_config(const std::string& path, const std::function<void(Json&)>& edit) {
  std::vector<WeightsEntry> entries = read_weights_file(path);
  Json file = Json::parse(entries.at(0).text);
  edit(file);
  entries[0].text = file.dump();
  write_weights_file(path, entries);
}

Json& layer_config(Json& file, const std::string& name) {
  for (Json& entry : file["model"]["config"]["layers"]) {
    if (entry["config"].value("name", "") == name) return entry["config"];
  }
  throw Error("test: no layer " + name);
}

}  // namespace

TEST_CASE("every built-in layer round-trips through a model file, predictions bit for bit") {
  TempDir dir;
  Model model = every_layer_functional(3);
  const EveryLayerData data = every_layer_data(24, 4);
  model.fit(data.xs, data.ys, batches_of(2, 8));
  model.metadata()["class_names"] = {"a", "b", "c"};
  model.save(dir.file("every.minidl"));

  std::unique_ptr<Model> loaded = load_model(dir.file("every.minidl"));
  CHECK(loaded->name() == "every_layer");
  CHECK(loaded->seed() == 3);
  CHECK(loaded->metadata() == model.metadata());
  CHECK(model_to_config(*loaded, ConfigDialect::Minidl) ==
        model_to_config(model, ConfigDialect::Minidl));
  CHECK(loaded->summary_table() == model.summary_table());
  CHECK(identical(loaded->get_weights(), model.get_weights()));
  CHECK(identical(loaded->predict(data.xs, 8), model.predict(data.xs, 8)));
  // Each built-in class appears in the model: a layer added to the registry is tested here.
  std::set<std::string> classes;
  for (std::size_t i = 0; i < loaded->size(); ++i) classes.insert(loaded->layer(i).type());
  CHECK(classes.size() == 30);
}

TEST_CASE("a Sequential model file loads as a Sequential, compiled, with its optimizer state") {
  TempDir dir;
  Sequential model = every_layer_sequential(5);
  Tensor x(Shape{16, 9, 9, 2}), y(Shape{16});
  Generator rng(2);
  for (Index i = 0; i < x.size(); ++i) x[i] = rng.uniform(-1.0f, 1.0f);
  for (Index i = 0; i < 16; ++i) y[i] = float(i % 3);
  model.fit(x, y, batches_of(2, 4));
  model.save(dir.file("cnn.minidl"));
  std::unique_ptr<Model> loaded = load_model(dir.file("cnn.minidl"));
  REQUIRE(dynamic_cast<Sequential*>(loaded.get()) != nullptr);
  REQUIRE(loaded->compiled());
  CHECK(loaded->optimizer().name() == "Adam");
  CHECK(loaded->optimizer().iterations() == model.optimizer().iterations());
  CHECK(loaded->optimizer().learning_rate() == model.optimizer().learning_rate());
  REQUIRE(loaded->optimizer().slots().size() == model.optimizer().slots().size());
  for (std::size_t i = 0; i < model.optimizer().slots().size(); ++i) {
    CHECK(identical(loaded->optimizer().slots()[i], model.optimizer().slots()[i]));
  }
  CHECK(identical(loaded->predict(x), model.predict(x)));

  // Without the optimizer: the same model, not compiled.
  model.save(dir.file("bare.minidl"), /*include_optimizer=*/false);
  CHECK_FALSE(load_model(dir.file("bare.minidl"))->compiled());
}

TEST_CASE("fit resumed from a loaded model file equals an uninterrupted run, bit for bit") {
  TempDir dir;
  const EveryLayerData data = every_layer_data(24, 8);
  Model uninterrupted = every_layer_functional(11);
  uninterrupted.fit(data.xs, data.ys, batches_of(4, 8));

  {
    Model first_half = every_layer_functional(11);
    first_half.fit(data.xs, data.ys, batches_of(2, 8));
    first_half.save(dir.file("half.minidl"));
  }  // nothing of the first run is left but the file
  // Epochs 2 and 3 in a new process, from the file alone.
  const std::string command = std::string(MINIDL_MODEL_FILE_RESUME) + " '" +
                              dir.file("half.minidl") + "' 2 4 '" + dir.file("done.minidl") + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  std::unique_ptr<Model> resumed = load_model(dir.file("done.minidl"));
  CHECK(identical(resumed->get_weights(), uninterrupted.get_weights()));
  CHECK(resumed->optimizer().iterations() == uninterrupted.optimizer().iterations());
  CHECK(identical(resumed->predict(data.xs, 8), uninterrupted.predict(data.xs, 8)));
}

namespace {

// A user layer: y = factor * x.
class Scale : public Layer {
 public:
  explicit Scale(float factor) : factor_(factor) {}
  std::string type() const override { return "Scale"; }
  Json get_config() const override { return {{"factor", factor_}}; }
  Tensor forward(const Tensor& x, bool /*training*/) override {
    Tensor y(x.shape());
    for (Index i = 0; i < x.size(); ++i) y[i] = factor_ * x[i];
    return y;
  }
  Tensor backward(const Tensor& dy) override {
    Tensor dx(dy.shape());
    for (Index i = 0; i < dy.size(); ++i) dx[i] = factor_ * dy[i];
    return dx;
  }

 protected:
  Shape build_impl(const Shape& s) override { return s; }

 private:
  float factor_;
};

}  // namespace

TEST_CASE("a user layer is saved through get_config and loaded through its registered factory") {
  TempDir dir;
  Sequential model(1);
  model.add(Flatten());
  model.add(Scale(2.5f));
  model.add(Dense(2));
  model.build(Shape{2, 2});
  model.save(dir.file("user.minidl"));
  Tensor x(Shape{3, 2, 2});
  for (Index i = 0; i < x.size(); ++i) x[i] = float(i);

  register_layer("Scale",
                 [](const LayerConfig& c) { return std::make_unique<Scale>(c.number("factor")); });
  std::unique_ptr<Model> loaded = load_model(dir.file("user.minidl"));
  CHECK(identical(loaded->predict(x), model.predict(x)));
  CHECK_THROWS_WITH(register_layer("Dense", nullptr), Contains("built-in"));

  // A user layer without get_config cannot be saved, and says what to do.
  class Plain : public Scale {
   public:
    Plain() : Scale(1.0f) {}
    Json get_config() const override { return Layer::get_config(); }
  };
  Sequential plain(1);
  plain.add(Flatten());
  plain.add(Plain());
  plain.build(Shape{2});
  CHECK_THROWS_WITH(plain.save(dir.file("plain.minidl")),
                    Contains("get_config is not implemented") && Contains("register_layer"));
}

TEST_CASE("bad model files are refused with an Error naming the file and the problem") {
  TempDir dir;
  Sequential model = every_layer_sequential(2);
  const std::string path = dir.file("m.minidl");
  auto fresh = [&] { model.save(path); };

  SECTION("a weights file has no architecture") {
    model.save_weights(path);
    CHECK_THROWS_WITH(load_model(path), Contains("m.minidl") && Contains("no architecture"));
  }
  SECTION("an unknown layer class") {
    fresh();
    edit_config(path, [](Json& f) { f["model"]["config"]["layers"][2]["class_name"] = "Conv3D"; });
    CHECK_THROWS_WITH(load_model(path), Contains("m.minidl") && Contains("'conv2d' (Conv3D)") &&
                                            Contains("minidl does not have"));
  }
  SECTION("a missing argument") {
    fresh();
    edit_config(path, [](Json& f) { layer_config(f, "conv2d").erase("filters"); });
    CHECK_THROWS_WITH(load_model(path),
                      Contains("Conv2D 'conv2d'") && Contains("'filters' is missing"));
  }
  SECTION("an ill-typed argument") {
    fresh();
    edit_config(path, [](Json& f) { layer_config(f, "conv2d")["filters"] = "6"; });
    CHECK_THROWS_WITH(load_model(path), Contains("'filters' must be an integer, got \"6\""));
    fresh();
    edit_config(path, [](Json& f) { layer_config(f, "conv2d")["filters"] = 6.5; });
    CHECK_THROWS_WITH(load_model(path), Contains("'filters' must be an integer, got 6.5"));
    fresh();
    edit_config(path, [](Json& f) { layer_config(f, "conv2d")["padding"] = "full"; });
    CHECK_THROWS_WITH(load_model(path), Contains("m.minidl") && Contains("padding"));
  }
  SECTION("weights whose shapes disagree with the config") {
    fresh();
    edit_config(path, [](Json& f) { layer_config(f, "conv2d")["filters"] = 5; });
    CHECK_THROWS_WITH(load_model(path), Contains("m.minidl") && Contains("different shapes") &&
                                            Contains("conv2d/kernel"));
  }
  SECTION("JSON that is not JSON, or of another format version") {
    fresh();
    std::vector<WeightsEntry> entries = read_weights_file(path);
    entries[0].text = "{\"format\": \"minidl.model\", \"version\": 1, \"model\": {";
    write_weights_file(path, entries);
    CHECK_THROWS_WITH(load_model(path), Contains("m.minidl") && Contains("not valid JSON"));
    fresh();
    edit_config(path, [](Json& f) { f["version"] = 7; });
    CHECK_THROWS_WITH(load_model(path), Contains("version 7"));
  }
  SECTION("every truncation") {
    fresh();
    const std::vector<std::uint8_t> bytes = read_file_bytes(path, "test");
    for (std::size_t size = 0; size < bytes.size(); size += 1 + size / 16) {
      write_bytes(path, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + long(size)));
      CHECK_THROWS_AS(load_model(path), Error);
    }
  }
}

TEST_CASE(
    "seeded mutations of a model file's bytes and of its JSON: every load returns or throws") {
  TempDir dir;
  Sequential model = every_layer_sequential(3);
  const std::string path = dir.file("m.minidl");
  model.save(path);
  const std::vector<std::uint8_t> bytes = read_file_bytes(path, "test");
  const std::string text = read_weights_file(path).at(0).text;
  Generator rng(12);
  int loaded = 0, refused = 0;
  for (int round = 0; round < 300; ++round) {
    if (round % 2 == 0) {  // raw bytes: the CRC catches them
      std::vector<std::uint8_t> mutated = bytes;
      const int flips = 1 + int(rng.uniform() * 4);
      for (int f = 0; f < flips; ++f) {
        mutated[std::size_t(rng.uniform() * double(mutated.size())) % mutated.size()] ^=
            std::uint8_t(1 + rng.uniform() * 254);
      }
      write_bytes(path, mutated);
    } else {  // the JSON, with a valid CRC: the parser and the config checks must catch them
      std::string mutated = text;
      const int edits = 1 + int(rng.uniform() * 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = std::size_t(rng.uniform() * double(mutated.size())) % mutated.size();
        const char* alphabet = "0123456789-.,:{}[]\"aez ";
        mutated[at] = alphabet[std::size_t(rng.uniform() * 23) % 23];
      }
      model.save(path);
      std::vector<WeightsEntry> entries = read_weights_file(path);
      entries[0].text = mutated;
      write_weights_file(path, entries);
    }
    try {
      std::unique_ptr<Model> m = load_model(path);
      Tensor x(Shape{2, 9, 9, 2}, 0.5f);
      m->predict(x);
      ++loaded;
    } catch (const Error&) {
      ++refused;
    }
  }
  CHECK(loaded + refused == 300);
  CHECK(refused > 150);
}
