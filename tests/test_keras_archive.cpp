// Keras 3 .keras archives: models saved by Keras itself (tests/data/keras, made by
// make_keras_fixtures.py) load and predict what Keras predicted; what minidl lacks or would
// compute differently is refused with the reason; bad archives are Errors; minidl's own export
// reads back identically (the check against real Keras is test_keras_export, which needs Python).
#include <cmath>
#include <cstring>
#include <fstream>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include <minidl/models/saving/detail/zip_archive.hpp>

#include "every_layer_model.hpp"
#include "fit_options.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;
using Catch::Contains;

namespace {

const std::string kDir = MINIDL_TEST_DATA_DIR "/keras/";

struct Expected {
  std::vector<Tensor> inputs, outputs;
};

Tensor tensor_of(const Json& entry) {
  const std::vector<Index> dims = entry.at("shape").get<std::vector<Index>>();
  Tensor t{Shape(dims)};
  const Json& data = entry.at("data");
  REQUIRE(Index(data.size()) == t.size());
  for (Index i = 0; i < t.size(); ++i) t[i] = data[std::size_t(i)].get<float>();
  return t;
}

Expected expected(const std::string& name) {
  std::ifstream in(kDir + name + "_expected.json");
  const Json file = Json::parse(in);
  Expected e;
  for (const Json& x : file.at("inputs")) e.inputs.push_back(tensor_of(x));
  for (const Json& y : file.at("outputs")) e.outputs.push_back(tensor_of(y));
  return e;
}

// Within 1e-5 relative to the largest magnitude of the sample's output (as check_export.py): a
// value near zero that is a sum of large terms cannot agree to 1e-5 of itself in float32.
void check_close(const Tensor& got, const Tensor& want) {
  REQUIRE(got.shape() == want.shape());
  const Index per_sample = want.size() / want.dim(0);
  for (Index n = 0; n < want.dim(0); ++n) {
    float scale = 1e-6f;
    for (Index i = n * per_sample; i < (n + 1) * per_sample; ++i) {
      scale = std::max(scale, std::fabs(want[i]));
    }
    for (Index i = n * per_sample; i < (n + 1) * per_sample; ++i) {
      INFO("element " << i << ": minidl " << got[i] << ", Keras " << want[i]);
      REQUIRE(std::fabs(got[i] - want[i]) <= 1e-5f * scale);
    }
  }
}

void check_matches_keras(const std::string& name) {
  std::unique_ptr<Model> model = load_keras_model(kDir + name + ".keras");
  const Expected e = expected(name);
  const std::vector<Tensor> outputs = model->predict(e.inputs, 4);
  REQUIRE(outputs.size() == e.outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) check_close(outputs[i], e.outputs[i]);
}

}  // namespace

TEST_CASE("a Keras Sequential CNN with preprocessing and augmentation predicts as in Keras") {
  check_matches_keras("sequential_cnn");
  std::unique_ptr<Model> model = load_keras_model(kDir + "sequential_cnn.keras");
  CHECK(dynamic_cast<Sequential*>(model.get()) != nullptr);
  CHECK(model->compiled());
  CHECK(model->optimizer().name() == "Adam");
  CHECK(model->metadata().value("keras_version", "") == "3.15.1");
  // Keras' arguments, as Keras means them. RandomContrast(0.2) is written by Keras as the pair
  // [0, 0.2], which Keras then draws from [1, 1.2] (it only raises contrast): minidl takes the
  // pair as Keras does. A scalar RandomTranslation 0.1 is [-0.1, 0.1].
  CHECK(model->layer("random_contrast").get_config()["factor"] == Json::array({0.0f, 0.2f}));
  CHECK(model->layer("random_translation").get_config()["height_factor"] ==
        Json::array({-0.1f, 0.1f}));
  CHECK(model->layer("random_zoom").get_config()["width_factor"].is_null());
  CHECK(model->layer("normalization").get_config()["mean"] == Json::array({0.45f, 0.5f, 0.4f}));
}

TEST_CASE("a Keras Functional residual block with BatchNormalization predicts as in Keras") {
  check_matches_keras("functional_residual");
  std::unique_ptr<Model> model = load_keras_model(kDir + "functional_residual.keras");
  CHECK(model->optimizer().name() == "SGD");
  // Keras' one training step left its momentum, which minidl takes over.
  CHECK(model->optimizer().iterations() == 1);
  double momentum = 0.0;
  for (const auto& slots : model->optimizer().slots()) momentum += std::fabs(slots.at(0)[0]);
  CHECK(momentum > 0.0);
  // It keeps training where Keras left off: one more step from the file, in Keras and here, gives
  // the same predictions.
  std::ifstream in(kDir + "functional_residual_expected.json");
  const Json after = Json::parse(in).at("after_step");
  const Expected e = expected("functional_residual");
  const std::vector<float> labels = after.at("labels").get<std::vector<float>>();
  Tensor y(Shape{Index(labels.size())});
  for (Index i = 0; i < y.size(); ++i) y[i] = labels[std::size_t(i)];
  model->train_on_batch(e.inputs[0], y);
  check_close(model->predict(e.inputs[0]), tensor_of(after.at("outputs").at(0)));
}

TEST_CASE("a Keras Functional model with two inputs, two outputs and shared layers matches") {
  check_matches_keras("functional_layers");
}

TEST_CASE("Keras layers minidl lacks are refused, all of them named in one error") {
  CHECK_THROWS_WITH(load_keras_model(kDir + "unsupported.keras"),
                    Contains("unsupported.keras") && Contains("(Conv2DTranspose)") &&
                        Contains("(LayerNormalization)") && Contains("2 layer(s)"));
}

TEST_CASE("Keras configurations minidl would compute differently are refused with the reason") {
  CHECK_THROWS_WITH(load_keras_model(kDir + "quirk_dilation.keras"),
                    Contains("dilation_rate") && Contains("dilated convolutions"));
  CHECK_THROWS_WITH(load_keras_model(kDir + "quirk_random_crop.keras"),
                    Contains("RandomCrop") && Contains("uncropped at inference"));
  TempDir dir;
  // A Keras config with an Equalization beside a valid (unrelated) weights file.
  const std::string equalization = detail::make_zip(
      {{"config.json",
        R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "Equalization",
            "config": {"name": "equalization"}}]}})"},
       {"model.weights.h5",
        detail::read_zip(kDir + "functional_residual.keras").at("model.weights.h5")}});
  write_bytes(dir.file("eq.keras"),
              std::vector<std::uint8_t>(equalization.begin(), equalization.end()));
  CHECK_THROWS_WITH(load_keras_model(dir.file("eq.keras")),
                    Contains("Equalization") && Contains("Keras 3 skips it"));
}

TEST_CASE("bad .keras files are Errors naming the file") {
  TempDir dir;
  const std::string path = dir.file("bad.keras");
  write_bytes(path, {'n', 'o', 't', ' ', 'a', ' ', 'z', 'i', 'p'});
  CHECK_THROWS_WITH(load_keras_model(path), Contains("bad.keras") && Contains("not a zip"));
  CHECK_THROWS_WITH(load_keras_model(dir.file("missing.keras")), Contains("missing.keras"));

  const std::string zip = detail::make_zip({{"metadata.json", "{}"}});
  write_bytes(path, std::vector<std::uint8_t>(zip.begin(), zip.end()));
  CHECK_THROWS_WITH(load_keras_model(path), Contains("no config.json"));

  const std::string ill_typed = detail::make_zip(
      {{"config.json",
        R"({"class_name": "Sequential", "config": {"layers": [{"class_name": 7, "config": {}}]}})"},
       {"model.weights.h5", "x"}});
  write_bytes(path, std::vector<std::uint8_t>(ill_typed.begin(), ill_typed.end()));
  CHECK_THROWS_WITH(load_keras_model(path), Contains("bad.keras"));

  const std::string not_json =
      detail::make_zip({{"config.json", "{\"class_name\": "}, {"model.weights.h5", "x"}});
  write_bytes(path, std::vector<std::uint8_t>(not_json.begin(), not_json.end()));
  CHECK_THROWS_WITH(load_keras_model(path), Contains("config.json is not valid JSON"));

  // Every truncation of a real archive, and seeded byte mutations: each loads or throws.
  const std::vector<std::uint8_t> bytes =
      read_file_bytes(kDir + "functional_residual.keras", "test");
  for (std::size_t size = 0; size < bytes.size(); size += 1 + size / 8) {
    write_bytes(path, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + long(size)));
    CHECK_THROWS_AS(load_keras_model(path), Error);
  }
  Generator rng(21);
  int refused = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<std::uint8_t> mutated = bytes;
    for (int f = 0; f < 3; ++f) {
      mutated[std::size_t(rng.uniform() * double(mutated.size())) % mutated.size()] ^= 0x5a;
    }
    write_bytes(path, mutated);
    try {
      load_keras_model(path)->predict(Tensor(Shape{1, 8, 8, 3}, 0.5f));
    } catch (const Error&) {
      ++refused;
    }
  }
  CHECK(refused > 0);
}

TEST_CASE(
    "seeded mutations inside a valid .keras zip (config.json, the HDF5 file): load or throw") {
  TempDir dir;
  const std::string path = dir.file("mutated.keras");
  std::map<std::string, std::string> members = detail::read_zip(kDir + "functional_residual.keras");
  const std::string config = members.at("config.json"), weights = members.at("model.weights.h5");
  Generator rng(33);
  int loaded = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    std::string mutated_config = config, mutated_weights = weights;
    std::string& target = round % 2 == 0 ? mutated_config : mutated_weights;
    const int edits = 1 + int(rng.uniform() * 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = std::size_t(rng.uniform() * double(target.size())) % target.size();
      const char* alphabet = "0123456789-.,:{}[]\"aenrtu ";
      target[at] = round % 2 == 0 ? alphabet[std::size_t(rng.uniform() * 26) % 26]
                                  : char(std::uint8_t(rng.uniform() * 256));
    }
    const std::string zip =
        detail::make_zip({{"config.json", mutated_config}, {"model.weights.h5", mutated_weights}});
    write_bytes(path, std::vector<std::uint8_t>(zip.begin(), zip.end()));
    try {
      load_keras_model(path)->predict(Tensor(Shape{1, 8, 8, 3}, 0.5f));
      ++loaded;
    } catch (const Error&) {
      ++refused;
    }
  }
  CHECK(loaded + refused == 400);
  CHECK(refused > 100);
}

TEST_CASE("save_keras_model then load_keras_model gives the same model, predictions bit for bit") {
  TempDir dir;
  Model model = every_layer_functional(6, /*crop=*/12);
  const EveryLayerData data = every_layer_data(16, 2);
  model.fit(data.xs, data.ys, quiet(1, 8));
  model.metadata()["class_names"] = {"x", "y", "z"};
  save_keras_model(model, dir.file("every.keras"));
  std::unique_ptr<Model> back = load_keras_model(dir.file("every.keras"));
  CHECK(back->metadata()["class_names"] == model.metadata()["class_names"]);
  const std::vector<Tensor> a = back->predict(data.xs, 8), b = model.predict(data.xs, 8);
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].shape() == b[i].shape());
    CHECK(std::memcmp(a[i].data(), b[i].data(), sizeof(float) * std::size_t(a[i].size())) == 0);
  }
  REQUIRE(back->compiled());
  CHECK(back->optimizer().iterations() == model.optimizer().iterations());
  REQUIRE(back->optimizer().slots().size() == model.optimizer().slots().size());
  for (std::size_t i = 0; i < model.optimizer().slots().size(); ++i) {
    const Tensor& a_slot = back->optimizer().slots()[i].at(0);
    const Tensor& b_slot = model.optimizer().slots()[i].at(0);
    REQUIRE(a_slot.shape() == b_slot.shape());
    CHECK(std::memcmp(a_slot.data(), b_slot.data(), sizeof(float) * std::size_t(a_slot.size())) ==
          0);
  }

  Model cropping = every_layer_functional(6);
  CHECK_THROWS_WITH(save_keras_model(cropping, dir.file("crop.keras")),
                    Contains("RandomCrop") && Contains("Keras 3 does not do at inference"));
  // Layers Keras has not, or computes otherwise at inference, are refused with the reason.
  for (const bool equalization : {false, true}) {
    Sequential own(1);
    if (equalization) {
      own.add(Equalization());
    } else {
      own.add(RandomApply(RandomFlip(), 0.5f));
    }
    own.add(Flatten());
    own.add(Dense(2));
    own.build(Shape{4, 4, 3});
    CHECK_THROWS_WITH(save_keras_model(own, dir.file("own.keras")),
                      equalization ? Contains("Equalization") && Contains("Keras 3 skips it")
                                   : Contains("RandomApply") && Contains("no Keras 3 counterpart"));
  }

  Sequential cnn = every_layer_sequential(2);
  save_keras_model(cnn, dir.file("cnn.keras"));
  std::unique_ptr<Model> cnn_back = load_keras_model(dir.file("cnn.keras"));
  CHECK(dynamic_cast<Sequential*>(cnn_back.get()) != nullptr);
  Tensor x(Shape{3, 9, 9, 2}, 0.25f);
  CHECK(std::memcmp(cnn_back->predict(x).data(), cnn.predict(x).data(), sizeof(float) * 9) == 0);
}
