#include <cstring>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "fit_options.hpp"

using namespace minidl;
using minidl::testing::quiet;

namespace {

Sequential spiral_model(std::uint64_t seed) {
  Sequential model(seed);
  model.add(Dense(64, "relu"));
  model.add(Dense(64, "relu"));
  model.add(Dense(2));
  model.compile(Adam(0.01f), SparseCategoricalCrossentropy(/*from_logits=*/true), {"accuracy"});
  return model;
}

Sequential small_compiled_model() {
  Sequential model;
  model.add(Dense(3));
  model.compile(SGD(), SparseCategoricalCrossentropy(true), {"accuracy"});
  return model;
}

}  // namespace

TEST_CASE("an MLP learns two spirals to >= 97% test accuracy") {
  const LabelledData train = make_spirals(500, 0.02f, 1);
  const LabelledData test = make_spirals(500, 0.02f, 2);
  Sequential model = spiral_model(42);
  const History h = model.fit(train.x, train.y, quiet(150));
  CHECK(h.epochs() == 150);
  CHECK(h.history.at("loss").back() < h.history.at("loss").front());
  const Logs result = model.evaluate(test.x, test.y);
  INFO("test accuracy " << result.at("accuracy") << ", loss " << result.at("loss"));
  CHECK(result.at("accuracy") >= 0.97f);
}

TEST_CASE("the same seeds give bit-identical weights after training twice") {
  const LabelledData data = make_spirals(200, 0.05f, 3);
  Sequential a = spiral_model(7), b = spiral_model(7), c = spiral_model(8);
  a.fit(data.x, data.y, quiet(3));
  b.fit(data.x, data.y, quiet(3));
  c.fit(data.x, data.y, quiet(3));
  const auto pa = a.parameters(), pb = b.parameters(), pc = c.parameters();
  REQUIRE(pa.size() == pb.size());
  bool c_differs = false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    REQUIRE(pa[i]->value.shape() == pb[i]->value.shape());
    CHECK(std::memcmp(pa[i]->value.data(), pb[i]->value.data(),
                      pa[i]->value.size() * sizeof(float)) == 0);
    c_differs |= std::memcmp(pa[i]->value.data(), pc[i]->value.data(),
                             pa[i]->value.size() * sizeof(float)) != 0;
  }
  CHECK(c_differs);
}

TEST_CASE("fit reports train and validation metrics per epoch") {
  const LabelledData data = make_spirals(100, 0.05f, 4);
  Sequential model = spiral_model(1);
  FitOptions o = quiet(2);
  o.validation_split = 0.25f;
  const History h = model.fit(data.x, data.y, o);
  for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
    INFO(key);
    REQUIRE(h.history.count(key) == 1);
    CHECK(h.history.at(key).size() == 2);
  }
  // val_* must equal evaluate() on the held-out last quarter.
  const Logs eval = model.evaluate(data.x.slice(150, 200), data.y.slice(150, 200));
  CHECK(h.history.at("val_loss").back() == Approx(eval.at("loss")));
  CHECK(h.history.at("val_accuracy").back() == Approx(eval.at("accuracy")));
}

TEST_CASE("predict equals forward(training=false) whatever the batch size") {
  const LabelledData data = make_spirals(50, 0.05f, 5);
  Sequential model = spiral_model(3);
  model.build(Shape{2});
  const Tensor whole = model.forward(data.x, /*training=*/false);
  const Tensor batched = model.predict(data.x, 7);
  REQUIRE(batched.shape() == Shape{100, 2});
  for (Index i = 0; i < whole.size(); ++i) CHECK(batched[i] == Approx(whole[i]).margin(1e-6));
}

TEST_CASE("layers get unique Keras-style names and the summary shows the table") {
  Sequential model;
  model.add(Flatten());
  model.add(Dense(16, "relu"));
  model.add(Dense(10));
  model.build(Shape{4, 4});
  CHECK(model.layer(1).name() == "dense");
  CHECK(model.layer(2).name() == "dense_1");
  const std::string table = model.summary_table();
  CHECK_THAT(table, Catch::Contains("dense_1 (Dense)") && Catch::Contains("(None, 16)") &&
                        Catch::Contains("flatten (Flatten)") && Catch::Contains("272") &&
                        Catch::Contains("Total params: 442") &&
                        Catch::Contains("Trainable params: 442"));
  Dense named(2);
  named.set_name("dense");
  CHECK_THROWS_WITH(model.add(std::move(named)), Catch::Contains("built"));
}

TEST_CASE("error: a layer that cannot take its input's rank names both shapes") {
  Sequential model;
  model.add(Dense(4));
  CHECK_THROWS_WITH(model.build(Shape{28, 28}), Catch::Contains("Dense 'dense'") &&
                                                    Catch::Contains("(N,features)") &&
                                                    Catch::Contains("(None,28,28)"));
}

TEST_CASE("error: calling a model with the wrong feature count") {
  Sequential model = small_compiled_model();
  model.build(Shape{2});
  CHECK_THROWS_WITH(model.predict(Tensor(Shape{5, 3}, 0.0f)), Catch::Contains("Dense 'dense'") &&
                                                                  Catch::Contains("(N,2)") &&
                                                                  Catch::Contains("(5,3)"));
  CHECK_THROWS_WITH(model.fit(Tensor(Shape{5, 3}, 0.0f), Tensor(Shape{5}, 0.0f), quiet(1)),
                    Catch::Contains("Dense 'dense'") && Catch::Contains("(5,3)"));
}

TEST_CASE("error: labels out of range during fit") {
  Sequential model = small_compiled_model();
  CHECK_THROWS_WITH(
      model.fit(Tensor(Shape{4, 2}, 0.0f), Tensor(Shape{4}, {0, 1, 3, 2}), quiet(1, 4)),
      Catch::Contains("label 3") && Catch::Contains("[0,3)") && Catch::Contains("(4,3)") &&
          Catch::Contains("(4)"));
}

TEST_CASE("error: x and y of different lengths") {
  Sequential model = small_compiled_model();
  CHECK_THROWS_WITH(model.fit(Tensor(Shape{10, 2}, 0.0f), Tensor(Shape{9}, 0.0f), quiet(1)),
                    Catch::Contains("Sequential 'sequential'") && Catch::Contains("(10,2)") &&
                        Catch::Contains("(9)"));
  CHECK_THROWS_WITH(model.evaluate(Tensor(Shape{10, 2}, 0.0f), Tensor(Shape{9}, 0.0f)),
                    Catch::Contains("(10,2)") && Catch::Contains("(9)"));
}

TEST_CASE("error: batch size 0") {
  Sequential model = small_compiled_model();
  CHECK_THROWS_WITH(model.fit(Tensor(Shape{4, 2}, 0.0f), Tensor(Shape{4}, 0.0f), quiet(1, 0)),
                    Catch::Contains("Sequential 'sequential'") &&
                        Catch::Contains("batch_size must be >= 1, got 0"));
  CHECK_THROWS_WITH(model.predict(Tensor(Shape{4, 2}, 0.0f), 0), Catch::Contains("got 0"));
}

TEST_CASE("error: fit before compile") {
  Sequential model;
  model.add(Dense(2));
  CHECK_THROWS_WITH(
      model.fit(Tensor(Shape{4, 2}, 0.0f), Tensor(Shape{4}, 0.0f), quiet(1)),
      Catch::Contains("Sequential 'sequential'") && Catch::Contains("before compile"));
}

TEST_CASE("error: bad fit options and unknown metrics") {
  Sequential model = small_compiled_model();
  FitOptions o = quiet(1);
  o.validation_split = 1.0f;
  CHECK_THROWS_WITH(model.fit(Tensor(Shape{4, 2}, 0.0f), Tensor(Shape{4}, 0.0f), o),
                    Catch::Contains("validation_split"));
  CHECK_THROWS_WITH(model.compile(Adam(), MeanSquaredError(), {"f1"}), Catch::Contains("'f1'"));
}
