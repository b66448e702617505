// Functional models: graphs of layers, their gradients, training, errors and summary.
#include <limits>
#include <optional>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>
#include <minidl/models/resnet.hpp>

#include "fit_options.hpp"
#include "golden.hpp"
#include "gradient_check.hpp"
#include "identical.hpp"
#include "isa_tiers.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using minidl::testing::quiet;
using minidl::testing::random_tensor;

namespace {

// Labels 0, 1, .., classes-1, 0, 1, .. for n samples.
Tensor cyclic_labels(Index n, Index classes) {
  Tensor labels(Shape{n});
  for (Index i = 0; i < n; ++i) labels[i] = static_cast<float>(i % classes);
  return labels;
}

std::vector<Tensor> one(Tensor t) {
  std::vector<Tensor> v;
  v.push_back(std::move(t));
  return v;
}

// The loss L = sum_k sum(output_k * w_k), w_k fixed: backward receives w_k. Every parameter's
// gradient against central differences of training-mode forwards (BatchNorm's batch statistics).
void check_model_gradients(Model& model, const std::vector<Tensor>& xs,
                           const minidl::testing::Tolerance& tol = {}) {
  for (Parameter* p : model.parameters(true)) p->grad.fill(0.0f);
  const std::vector<Tensor> outs = model.forward(xs, /*training=*/true);
  std::vector<Tensor> ws;
  for (std::size_t k = 0; k < outs.size(); ++k)
    ws.push_back(random_tensor(outs[k].shape(), 50 + k));
  model.backward(ws);
  auto loss = [&] {
    double s = 0.0;
    const std::vector<Tensor> o = model.forward(xs, /*training=*/true);
    for (std::size_t k = 0; k < o.size(); ++k) s += minidl::testing::weighted_sum(o[k], ws[k]);
    return s;
  };
  const auto params = model.named_parameters(true);
  REQUIRE(!params.empty());
  for (const auto& [name, p] : params) {
    const Tensor analytic = p->grad.clone();
    minidl::testing::expect_matches_numeric(name, p->value.data(), analytic, loss, tol);
  }
}

// The trainable parameters' gradients, taken out of the model (each left zeroed).
std::vector<Tensor> take_gradients(Model& model) {
  std::vector<Tensor> grads;
  for (Parameter* p : model.parameters(/*trainable_only=*/true)) {
    grads.push_back(p->grad.clone());
    p->grad.fill(0.0f);
  }
  return grads;
}

// The model's layers run one by one, a training forward of x and then backward from dy in
// reverse: returns the output, with the gradients in the parameters as take_gradients finds them.
Tensor run_layer_by_layer(Model& model, const Tensor& x, const Tensor& dy) {
  Tensor value = x.share();
  for (std::size_t i = 0; i < model.size(); ++i) value = model.layer(i)(value, true);
  Tensor grad = dy.share();
  for (std::size_t i = model.size(); i-- > 0;) {
    model.layer(i).set_input_gradient(i > 0);
    grad = model.layer(i).backward(grad);
  }
  return value;
}

// A model whose Conv2D layers do the MaxPooling2D after them: no MaxPooling2D step of its own,
// and its training outputs, inference and parameter gradients bit-identical to the layers run one
// by one.
void check_pooled_in_convolutions(Model& model, const Tensor& images, const Tensor& dy) {
  int poolings = 0;
  model.observe_steps(
      [&](const Layer& l, bool, double) { poolings += l.type() == "MaxPooling2D"; });
  const Tensor out = model.forward(images, /*training=*/true);
  model.backward(dy);
  const Tensor inferred = model.predict(images);
  CHECK(poolings == 0);
  const std::vector<Tensor> graph_grads = take_gradients(model);
  Tensor inference = images.share();
  for (std::size_t i = 0; i < model.size(); ++i) inference = model.layer(i)(inference, false);
  CHECK(testing::identical(inferred, inference));
  CHECK(testing::identical(out, run_layer_by_layer(model, images, dy)));
  CHECK(testing::identical(graph_grads, take_gradients(model)));
}

}  // namespace

// The activations are tanh, not ReLU: a step on one kernel weight moves hundreds of
// pre-activations, and the few that cross ReLU's kink bias a central difference by several
// percent (ReLU's own gradient is checked in test_relu on inputs away from the kink).
TEST_CASE("gradients: a residual block with BatchNormalization") {
  Node x = Input({6, 6, 3});
  Node h = Activation("tanh")(Conv2D(4, 3, 1, "same")(x));
  Node shortcut = BatchNormalization(0.9f, 1e-3f)(Conv2D(4, 1, 2, "valid", "linear", false)(h));
  Node r = Conv2D(4, 3, 2, "same", "linear", false)(h);
  r = Activation("tanh")(BatchNormalization(0.9f, 1e-3f)(r));
  r = BatchNormalization(0.9f, 1e-3f)(Conv2D(4, 3, 1, "same", "linear", false)(r));
  Node y = Dense(3)(Flatten()(Activation("tanh")(Add()({r, shortcut}))));
  Model model({x}, {y}, "residual", 3);
  check_model_gradients(model, one(random_tensor({4, 6, 6, 3}, 1)));
}

TEST_CASE("gradients: one tensor read by three layers sums their gradients") {
  Node x = Input({5});
  Node h = Dense(4, "tanh")(x);  // its gradient is the sum over the three readers
  Node a = Dense(3)(h), b = Dense(3, "sigmoid")(h), c = Activation("tanh")(h);
  Node y = Dense(2)(Concatenate()({a, b, c}));
  Model model({x}, {y});
  check_model_gradients(model, one(random_tensor({6, 5}, 2)));
}

TEST_CASE("gradients: Concatenate of branches with different channel counts") {
  Node x = Input({5, 5, 2});
  Node a = Conv2D(3, 3, 1, "same")(x);
  // Smooth activations only: a ReLU input within the finite-difference step of its kink fails the
  // check for the probe's sake, not the gradient's.
  Node b = Conv2D(5, 1, 1, "same", "tanh")(x);
  Node c = Conv2D(2, 3, 1, "same")(a);
  Node joined = Concatenate(-1)({a, b, c});
  CHECK(joined.shape() == Shape{5, 5, 10});
  CHECK(Concatenate(1)({a, a}).shape() == Shape{10, 5, 3});
  Model model({x}, {Dense(2)(GlobalAveragePooling2D()(joined))});
  check_model_gradients(model, one(random_tensor({3, 5, 5, 2}, 3)));
}

TEST_CASE("gradients: a model with two inputs and two outputs") {
  Node image = Input({4, 4, 1}, "image");
  Node meta = Input({3}, "meta");
  Node f = Flatten()(Conv2D(2, 3, 1, "same", "tanh")(image));
  Node joined = Concatenate()({f, Dense(4, "tanh")(meta)});
  Node cls = Dense(3, "linear", true)(joined);
  Node reg = Dense(1)(Dense(2, "tanh")(joined));
  Model model({image, meta}, {cls, reg});
  std::vector<Tensor> xs;
  xs.push_back(random_tensor({5, 4, 4, 1}, 4));
  xs.push_back(random_tensor({5, 3}, 5));
  check_model_gradients(model, xs);
}

TEST_CASE("gradients: one layer called twice shares its weights and sums both calls") {
  Node left = Input({4}), right = Input({4});
  Shared<Dense> encoder(Dense(3, "tanh"));
  Node a = encoder(left);
  Node b = encoder(right);
  Node c = encoder(Dense(4)(b));  // a third call, deeper in the graph
  Node y = Dense(2)(Concatenate()({a, Multiply()({b, c})}));
  Model model({left, right}, {y}, "siamese");
  CHECK(model.parameters().size() == 6);  // encoder once, Dense(4), Dense(2)
  std::vector<Tensor> xs;
  xs.push_back(random_tensor({4, 4}, 6));
  xs.push_back(random_tensor({4, 4}, 7));
  check_model_gradients(model, xs);
  CHECK(model.summary_table().find("dense[2][0]") != std::string::npos);
}

TEST_CASE("gradients: an output that another layer also reads") {
  // h is an output and the input of the second head: it stays alive after its last reader, and
  // its gradient is the loss's plus the second head's.
  Node x = Input({5});
  Node h = Activation("tanh")(BatchNormalization()(Dense(6)(x)));
  Node y = Dense(2)(h);
  Model model({x}, {h, y});
  check_model_gradients(model, one(random_tensor({7, 5}, 19)));
  const std::vector<Tensor> outs = model.predict(one(random_tensor({7, 5}, 20)));
  REQUIRE(outs.size() == 2);
  CHECK(outs[0].shape() == Shape{7, 6});
}

TEST_CASE("gradients: every merge layer") {
  auto merged = [](int which, const std::vector<Node>& in) {
    switch (which) {
      case 0:
        return Add()(in);
      case 1:
        return Subtract()({in[0], in[1]});
      case 2:
        return Multiply()(in);
      case 3:
        return Average()(in);
      case 4:
        return Maximum()(in);
      default:
        return Concatenate()(in);
    }
  };
  for (int which = 0; which < 6; ++which) {
    Node x = Input({4});
    std::vector<Node> branches = {Dense(3)(x), Dense(3, "tanh")(x)};
    if (which != 1) branches.push_back(Dense(3)(x));
    Model model({x}, {Dense(2)(merged(which, branches))});
    INFO("merge layer " << which);
    check_model_gradients(model, one(random_tensor({5, 4}, 8 + which)));
  }
}

TEST_CASE("merge layers compute their values") {
  Tensor a(Shape{1, 3}, {1, -2, 3}), b(Shape{1, 3}, {4, 5, -6});
  std::vector<Tensor> ab;
  ab.push_back(a.share());
  ab.push_back(b.share());
  auto values = [](Tensor t) { return std::vector<float>(t.data(), t.data() + t.size()); };
  CHECK(values(Add().forward_inputs(ab, false)) == std::vector<float>{5, 3, -3});
  CHECK(values(Subtract().forward_inputs(ab, false)) == std::vector<float>{-3, -7, 9});
  CHECK(values(Multiply().forward_inputs(ab, false)) == std::vector<float>{4, -10, -18});
  CHECK(values(Average().forward_inputs(ab, false)) == std::vector<float>{2.5f, 1.5f, -1.5f});
  CHECK(values(Maximum().forward_inputs(ab, false)) == std::vector<float>{4, 5, 3});
  CHECK(values(Concatenate().forward_inputs(ab, false)) == std::vector<float>{1, -2, 3, 4, 5, -6});
  // Along the first sample axis of (N,2,2): rows of a, then rows of b.
  Tensor p(Shape{1, 1, 2}, {1, 2}), q(Shape{1, 2, 2}, {3, 4, 5, 6});
  std::vector<Tensor> pq;
  pq.push_back(p.share());
  pq.push_back(q.share());
  const Tensor rows = Concatenate(1).forward_inputs(pq, false);
  CHECK(rows.shape() == Shape{1, 3, 2});
  CHECK(values(rows.share()) == std::vector<float>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("a Functional model and a Sequential one with the same layers train bit-identically") {
  const Tensor x = random_tensor({64, 8, 8, 1}, 9, 0.0f, 1.0f);
  Tensor y(Shape{64});
  for (Index i = 0; i < 64; ++i) y[i] = static_cast<float>(i % 3);
  Sequential seq(5);
  seq.add(RandomFlip("horizontal"));
  seq.add(Conv2D(4, 3, 1, "same", "relu"));
  seq.add(BatchNormalization());
  seq.add(MaxPooling2D(2));
  seq.add(Dropout(0.25f));
  seq.add(Flatten());
  seq.add(Dense(3));
  Node in = Input({8, 8, 1});
  Node h = RandomFlip("horizontal")(in);
  h = Conv2D(4, 3, 1, "same", "relu")(h);
  h = BatchNormalization()(h);
  h = MaxPooling2D(2)(h);
  h = Dropout(0.25f)(h);
  Model fun({in}, {Dense(3)(Flatten()(h))}, "functional", 5);
  for (Model* m : {static_cast<Model*>(&seq), &fun}) {
    m->compile(Adam(1e-2f), SparseCategoricalCrossentropy(true), {"accuracy"});
    m->fit(x, y, quiet(3, 16));
  }
  const auto a = seq.get_weights(), b = fun.get_weights();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].shape() == b[i].shape());
    for (Index j = 0; j < a[i].size(); ++j) REQUIRE(a[i][j] == b[i][j]);
  }
}

TEST_CASE("augmentation in a graph transforms in fit only, per image, from (seed, epoch)") {
  Node x = Input({6, 6, 1});
  Node y = RandomFlip("horizontal_and_vertical", 3)(x);
  Model model({x}, {y});
  const Tensor images = random_tensor({8, 6, 6, 1}, 10);
  const Tensor inference = model.forward(images, /*training=*/false);
  for (Index i = 0; i < images.size(); ++i) REQUIRE(inference[i] == images[i]);
  model.layer(0).start_epoch(2);
  const Tensor trained = model.forward(images, /*training=*/true);
  RandomFlip alone("horizontal_and_vertical", 3);
  alone.start_epoch(2);
  const Tensor expected = alone(images, /*training=*/true);
  Index changed = 0;
  for (Index i = 0; i < images.size(); ++i) {
    REQUIRE(trained[i] == expected[i]);
    changed += trained[i] != images[i];
  }
  CHECK(changed > 0);
}

TEST_CASE("several outputs: loss weights and Keras' log names") {
  Node x = Input({4});
  Node h = Dense(8, "relu")(x);
  Node cls = Dense(3)(h);
  cls = Activation("softmax")(cls);
  Node reg = Dense(1)(h);
  Model model({x}, {cls, reg}, "two_heads", 1);
  model.compile(SGD(0.05f), losses(SparseCategoricalCrossentropy(), MeanSquaredError()),
                {"accuracy"}, {1.0f, 0.5f});
  const Tensor xs = random_tensor({40, 4}, 11);
  Tensor labels(Shape{40}), targets(Shape{40, 1});
  for (Index i = 0; i < 40; ++i) {
    labels[i] = xs[i * 4] > 0 ? 1.0f : 0.0f;
    targets[i] = xs[i * 4 + 1];
  }
  std::vector<Tensor> in = one(xs.share()), out;
  out.push_back(labels.share());
  out.push_back(targets.share());
  const History history = model.fit(in, out, quiet(3, 8));
  for (const char* key :
       {"loss", "activation_loss", "activation_accuracy", "dense_2_loss", "dense_2_accuracy"}) {
    INFO(key);
    CHECK(history.history.count(key) == 1);
  }
  const Logs logs = model.evaluate(in, out, 8);
  CHECK(logs.at("loss") ==
        Approx(logs.at("activation_loss") + 0.5f * logs.at("dense_2_loss")).epsilon(1e-5));
  const std::vector<Tensor> predictions = model.predict(in, 7);
  REQUIRE(predictions.size() == 2);
  CHECK(predictions[0].shape() == Shape{40, 3});
  CHECK(predictions[1].shape() == Shape{40, 1});
  // The same arrays as a Dataset with several inputs and targets.
  const Dataset data(one(xs.share()), [&] {
    std::vector<Tensor> t;
    t.push_back(labels.share());
    t.push_back(targets.share());
    return t;
  }());
  CHECK(model.evaluate(data.batch(8)).at("loss") == Approx(logs.at("loss")).epsilon(1e-5));
}

TEST_CASE("a Functional model saves, loads and resumes bit-identically") {
  minidl::testing::TempDir dir;
  auto make = [] {
    Node x = Input({6});
    Node h = Dense(8, "relu")(x);
    Node y = Dense(3)(Add()({Dense(8)(h), h}));
    Model m({x}, {y}, "resumable", 4);
    m.compile(Adam(1e-2f), SparseCategoricalCrossentropy(true));
    return m;
  };
  const Tensor xs = random_tensor({48, 6}, 12);
  Tensor ys(Shape{48});
  for (Index i = 0; i < 48; ++i) ys[i] = static_cast<float>(i % 3);
  Model straight = make();
  straight.fit(xs, ys, quiet(4, 16));
  Model first = make();
  first.fit(xs, ys, quiet(2, 16));
  const std::string path = dir.path() + "/ckpt.weights";
  first.save_weights(path, /*include_optimizer=*/true);
  Model resumed = make();
  resumed.load_weights(path);
  resumed.fit(xs, ys, quiet(4, 16, /*initial_epoch=*/2));
  const auto a = straight.get_weights(), b = resumed.get_weights();
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (Index j = 0; j < a[i].size(); ++j) REQUIRE(a[i][j] == b[i][j]);
  }
}

TEST_CASE("the summary of a graph has a Connected to column") {
  Node x = Input({4, 4, 2}, "pixels");
  Node a = Conv2D(2, 1)(x);
  Model model({x}, {Add()({a, x})}, "tiny");
  const std::string s = model.summary_table();
  CHECK(s.find("Connected to") != std::string::npos);
  CHECK(s.find("pixels (InputLayer)") != std::string::npos);
  CHECK(s.find("conv2d[0][0], pixels[0][0]") != std::string::npos);
  CHECK(s.find("Total params: 6") != std::string::npos);
}

TEST_CASE("ResNet-20 has the paper's structure") {
  Model model = resnet20({32, 32, 3}, 10);
  // 0.27M parameters in the paper's table 6 (option A shortcuts); the two projections add 2.6k.
  Index trainable = 0;
  for (Parameter* p : model.parameters(true)) trainable += p->value.size();
  CHECK(trainable == 272474);
  const Tensor out = model.predict(random_tensor({2, 32, 32, 3}, 13));
  CHECK(out.shape() == Shape{2, 10});
  Index convs = 0;
  for (std::size_t i = 0; i < model.size(); ++i) convs += model.layer(i).type() == "Conv2D";
  CHECK(convs == 21);  // 19 on the main path + 2 projections
}

TEST_CASE("error: merging shapes that do not fit names the layer and the shapes") {
  Node a = Input({4, 4, 3}), b = Input({4, 4, 5});
  CHECK_THROWS_WITH(Add()({a, b}), Catch::Contains("Add") && Catch::Contains("(None,4,4,3)") &&
                                       Catch::Contains("(None,4,4,5)"));
  Node c = Input({4, 2, 3});
  CHECK_THROWS_WITH(Concatenate(-1)({a, c}), Catch::Contains("Concatenate") &&
                                                 Catch::Contains("(None,4,2,3)") &&
                                                 Catch::Contains("axis -1"));
  CHECK_THROWS_WITH(Concatenate(4)({a, b}), Catch::Contains("axis 4 is out of range"));
  CHECK_THROWS_WITH(Subtract()({a, a, a}), Catch::Contains("exactly 2 inputs"));
  CHECK_THROWS_WITH(Add()(a), Catch::Contains("at least 2 inputs"));
  CHECK_THROWS_WITH(Conv2D(2, 3)({a, b}), Catch::Contains("takes one input"));
  CHECK_THROWS_WITH(Conv2D(2, 5)(Input({4, 4, 3})), Catch::Contains("Conv2D"));
}

TEST_CASE("error: graphs whose inputs and outputs do not connect") {
  Node x = Input({3}), other = Input({3});
  Node h = Dense(2)(x);
  // An output that depends on an input the model was not given.
  CHECK_THROWS_WITH(Model({x}, {Add()({h, Dense(2)(other)})}),
                    Catch::Contains("Add <- Dense <- Input") && Catch::Contains("another graph") &&
                        Catch::Contains("(None,3)"));
  // A layer called on a tensor of another model's graph.
  Model first({other}, {Dense(2)(other)}, "first");
  Node foreign = Dense(4)(first.outputs()[0]);
  CHECK_THROWS_WITH(Model({x}, {Concatenate()({h, foreign})}, "second"),
                    Catch::Contains("'second'") &&
                        Catch::Contains("Concatenate <- Dense <- Dense 'dense' <- Input") &&
                        Catch::Contains("another graph"));
  // An input no output uses.
  CHECK_THROWS_WITH(Model({x, other}, {h}),
                    Catch::Contains("input 1") && Catch::Contains("not used by any output"));
  CHECK_THROWS_WITH(Model({h}, {h}), Catch::Contains("expected a node made by Input()"));
  Node named = Input({3}, "same");
  CHECK_THROWS_WITH(Model({named}, {Dense(1, "linear", true)(named)}, "m").layer("missing"),
                    Catch::Contains("no layer named 'missing'"));
}

TEST_CASE("error: fit and predict with the wrong number of arrays") {
  Node a = Input({2}), b = Input({3});
  Model model({a, b}, {Dense(1)(Concatenate()({a, b}))}, "two_inputs");
  model.compile(SGD(0.1f), MeanSquaredError());
  const Tensor xa = random_tensor({4, 2}, 14), xb = random_tensor({4, 3}, 15);
  const Tensor y(Shape{4, 1}, 0.0f);
  CHECK_THROWS_WITH(model.fit(xa, y, quiet(1)), Catch::Contains("two_inputs") &&
                                                    Catch::Contains("1 input array(s)") &&
                                                    Catch::Contains("2 input(s)"));
  std::vector<Tensor> swapped;
  swapped.push_back(xb.share());
  swapped.push_back(xa.share());
  CHECK_THROWS_WITH(model.predict(swapped), Catch::Contains("input_layer") &&
                                                Catch::Contains("(N,2)") &&
                                                Catch::Contains("(4,3)"));
  std::vector<Tensor> both;
  both.push_back(xa.share());
  both.push_back(xb.share());
  CHECK_THROWS_WITH(model.fit(both, {}, quiet(1)), Catch::Contains("0 target array(s)"));
  CHECK_THROWS_WITH(model.compile(SGD(0.1f), losses(MeanSquaredError(), MeanSquaredError())),
                    Catch::Contains("2 losses for a model with 1 output(s)"));
}

TEST_CASE("error: a layer that cannot keep one cache per call refuses to be shared in training") {
  Node x = Input({4, 4, 1});
  Shared<MaxPooling2D> pool(MaxPooling2D(2));
  Node y = Flatten()(pool(Conv2D(1, 1)(x)));
  Node z = Flatten()(pool(x));
  Model model({x}, {Dense(1)(Concatenate()({y, z}))});
  const Tensor images = random_tensor({2, 4, 4, 1}, 16);
  CHECK(model.predict(images).shape() == Shape{2, 1});  // inference needs no cache
  CHECK_THROWS_WITH(model.forward(images, /*training=*/true),
                    Catch::Contains("MaxPooling2D") && Catch::Contains("several places"));
}

TEST_CASE("a ReLU folded into BatchNormalization or Add trains bit-identically to a separate one") {
  // ReLU() after a layer read by nothing else is folded into it; ReLU(FLT_MAX) computes the same
  // values for finite inputs but is not a plain ReLU, so it stays a layer of its own.
  auto make = [](std::optional<float> cap) {
    Node x = Input({6, 6, 2});
    Node h = Conv2D(16, 3, 1, "same", "linear", false)(x);
    h = ReLU(cap)(BatchNormalization()(h));
    Node r = BatchNormalization()(Conv2D(16, 3, 1, "same", "linear", false)(h));
    Node y = ReLU(cap)(Add()({r, h}));
    Model m({x}, {Dense(3)(GlobalAveragePooling2D()(y))}, "block", 11);
    m.compile(SGD(0.05f, 0.9f), SparseCategoricalCrossentropy(true));
    return m;
  };
  Model fused = make(std::nullopt), separate = make(std::numeric_limits<float>::max());
  // Folded ReLUs run no step of their own.
  int relu_calls[2] = {0, 0};
  fused.observe_steps([&](const Layer& l, bool, double) { relu_calls[0] += l.type() == "ReLU"; });
  separate.observe_steps(
      [&](const Layer& l, bool, double) { relu_calls[1] += l.type() == "ReLU"; });
  const Tensor x = random_tensor({24, 6, 6, 2}, 17);
  const Tensor y = cyclic_labels(24, 3);
  fused.fit(x, y, quiet(2, 8));
  separate.fit(x, y, quiet(2, 8));
  CHECK(relu_calls[0] == 0);
  CHECK(relu_calls[1] == 2 * 3 * 2 * 2);  // 2 ReLUs, 3 batches, 2 epochs, forward and backward
  const auto a = fused.get_weights(), b = separate.get_weights();
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (Index j = 0; j < a[i].size(); ++j) REQUIRE(a[i][j] == b[i][j]);
  }
  const Tensor pa = fused.predict(x), pb = separate.predict(x);
  for (Index i = 0; i < pa.size(); ++i) REQUIRE(pa[i] == pb[i]);
}

TEST_CASE("predict runs large activations in chunks, with the results of one forward") {
  // 256 KiB of activations per sample: predict's batches of 150 run in chunks of 64, 64 and 22.
  Node x = Input({32, 32, 4});
  Node h = Conv2D(64, 3, 1, "same", "relu")(x);
  Model model({x}, {Dense(3)(GlobalAveragePooling2D()(BatchNormalization()(h)))}, "wide", 3);
  const Tensor images = random_tensor({150, 32, 32, 4}, 24);
  const Tensor whole = model.forward(images, /*training=*/false);
  int convolutions = 0;
  model.observe_steps([&](const Layer& l, bool, double) { convolutions += l.type() == "Conv2D"; });
  const Tensor chunked = model.predict(images, 150);
  CHECK(convolutions == 3);
  REQUIRE(chunked.shape() == whole.shape());
  for (Index i = 0; i < whole.size(); ++i) REQUIRE(chunked[i] == whole[i]);
}

TEST_CASE("in training an Add does the output pass of the BatchNormalization it reads") {
  // A residual block: the graph's fused passes (BatchNormalization statistics, then the Add doing
  // the normalization, the Conv2D applying the input gradient map) against the layers run one by
  // one, bit for bit: outputs, and every parameter's gradient.
  Node x = Input({6, 32, 16});
  Node h = ReLU()(BatchNormalization()(Conv2D(16, 3, 1, "same", "linear", false)(x)));
  Node r = BatchNormalization()(Conv2D(16, 3, 1, "same", "linear", false)(h));
  Node y = ReLU()(Add()({r, x}));
  Model model({x}, {Dense(3)(GlobalAveragePooling2D()(y))}, "block", 17);
  const Tensor images = random_tensor({5, 6, 32, 16}, 22);
  const Tensor dy = random_tensor({5, 3}, 23);
  const Tensor out = model.forward(images, /*training=*/true);
  model.backward(dy);
  std::vector<Tensor> graph_grads;
  for (Parameter* p : model.parameters(/*trainable_only=*/true)) {
    graph_grads.push_back(p->grad.clone());
    p->grad.fill(0.0f);
  }
  auto layer = [&](const char* name) -> Layer& { return model.layer(name); };
  const Tensor h1 =
      layer("re_lu")(layer("batch_normalization")(layer("conv2d")(images, true), true), true);
  const Tensor r1 = layer("batch_normalization_1")(layer("conv2d_1")(h1, true), true);
  std::vector<Tensor> operands;
  operands.push_back(r1.share());
  operands.push_back(images.share());
  const Tensor y1 = layer("re_lu_1")(layer("add").forward_inputs(operands, true), true);
  const Tensor expected = layer("dense")(layer("global_average_pooling2d")(y1, true), true);
  for (Index i = 0; i < out.size(); ++i) REQUIRE(out[i] == expected[i]);
  for (std::size_t i = 0; i < model.size(); ++i) model.layer(i).set_input_gradient(true);
  layer("conv2d").set_input_gradient(false);
  Tensor g = layer("re_lu_1").backward(
      layer("global_average_pooling2d").backward(layer("dense").backward(dy)));
  g = std::move(layer("add").backward_inputs(g)[0]);
  g = layer("conv2d_1").backward(layer("batch_normalization_1").backward(g));
  g = layer("batch_normalization").backward(layer("re_lu").backward(g));
  layer("conv2d").backward(g);
  const auto params = model.parameters(/*trainable_only=*/true);
  REQUIRE(params.size() == graph_grads.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    INFO("parameter " << params[k]->name);
    for (Index j = 0; j < graph_grads[k].size(); ++j)
      REQUIRE(graph_grads[k][j] == params[k]->grad[j]);
  }
}

TEST_CASE("in inference an Add reading a folded BatchNormalization is done by its Conv2D") {
  // A projection shortcut computed after the main branch (its Conv2D takes the Add, the main
  // branch being ready by then) and an identity shortcut (the main branch's Conv2D takes it).
  Node x = Input({8, 8, 16});
  Node h = ReLU()(BatchNormalization(0.9f)(Conv2D(16, 3, 1, "same", "linear", false)(x)));
  Node r = BatchNormalization(0.9f)(Conv2D(16, 3, 1, "same", "linear", false)(h));
  Node p = BatchNormalization(0.9f)(Conv2D(16, 1, 1, "valid", "linear", false)(x));
  Node y = ReLU()(Add()({r, p}));
  Node z = Add()({BatchNormalization(0.9f)(Conv2D(16, 3, 1, "same")(y)), y});
  Model model({x}, {Dense(3)(GlobalAveragePooling2D()(z))}, "residual", 7);
  model.compile(SGD(0.05f), SparseCategoricalCrossentropy(true));
  const Tensor images = random_tensor({16, 8, 8, 16}, 21);
  const Tensor labels = cyclic_labels(16, 3);
  model.fit(images, labels, quiet(3, 8));  // moving statistics away from 0 and 1
  auto layer = [&](const char* name) -> Layer& { return model.layer(name); };
  auto add = [&](const char* name, const Tensor& a, const Tensor& b) {
    std::vector<Tensor> args;
    args.push_back(a.share());
    args.push_back(b.share());
    return layer(name).forward_inputs(args, false);
  };
  const Tensor h1 =
      layer("re_lu")(layer("batch_normalization")(layer("conv2d")(images, false), false), false);
  const Tensor r1 = layer("batch_normalization_1")(layer("conv2d_1")(h1, false), false);
  const Tensor p1 = layer("batch_normalization_2")(layer("conv2d_2")(images, false), false);
  const Tensor y1 = layer("re_lu_1")(add("add", r1, p1), false);
  const Tensor z1 =
      add("add_1", layer("batch_normalization_3")(layer("conv2d_3")(y1, false), false), y1);
  const Tensor expected = layer("dense")(layer("global_average_pooling2d")(z1, false), false);
  int adds = 0;
  model.observe_steps([&](const Layer& l, bool, double) { adds += l.type() == "Add"; });
  minidl::testing::check_close(model.predict(images), expected, 1e-4f);
  CHECK(adds == 0);
  model.fit(images, labels, quiet(1, 8));  // in training the Adds run as layers of their own
  CHECK(adds == 2 * 2 * 2);                // 2 Adds, 2 batches, forward and backward
}

TEST_CASE("in training a Conv2D applies the input gradient of the BatchNormalization after it") {
  // The graph's backward hands the Conv2D the BatchNormalization's map from output to input
  // gradient; the gradients must equal those of the layers' own backward passes, bit for bit:
  // with and without a fused ReLU, with a bias, on the sliding-window loops (16 filters, 32 wide)
  // and on Winograd (32 filters).
  for (const bool relu : {false, true}) {
    for (const Index filters : {16, 32}) {
      INFO("relu " << relu << ", " << filters << " filters");
      Node x = Input({6, 32, 3});
      Node h = BatchNormalization()(Conv2D(filters, 3, 1, "same", "linear", true)(x));
      if (relu) h = ReLU()(h);
      Node r = BatchNormalization()(Conv2D(16, 3, 1, "same", "linear", false)(h));
      Model model({x}, {Dense(3)(GlobalAveragePooling2D()(r))}, "block", 13);
      const Tensor images = random_tensor({5, 6, 32, 3}, 19);
      const Tensor dy = random_tensor({5, 3}, 20);
      model.forward(images, /*training=*/true);
      model.backward(dy);
      const std::vector<Tensor> graph_grads = take_gradients(model);
      run_layer_by_layer(model, images, dy);
      CHECK(testing::identical(graph_grads, take_gradients(model)));
    }
  }
}

TEST_CASE("a Conv2D does the MaxPooling2D after it, bit-identically to the layers one by one") {
  // Conv2D::forward_pooled pools each image while it is in cache and backward_pooled routes the
  // pooling's gradient through the activation's derivative: outputs, inference and every
  // parameter gradient must equal the layers' own passes bit for bit, on every kernel tier (the
  // direct loops, Winograd for 16 -> 32 (its gradients), Winograd pooling in its output transform
  // for 32 -> 32, im2col + GEMM on the portable tier), with and without a ReLU, and no
  // MaxPooling2D step may run on its own; under both dtype policies.
  testing::for_each_isa([](Isa isa) {
    for (const char* activation : {"linear", "relu"}) {
      for (const char* policy : {"float32", "mixed_bfloat16"}) {
        INFO(isa_name(isa) << ", activation " << activation << ", policy " << policy);
        Node x = Input({8, 16, 3});
        Node h = MaxPooling2D(2)(Conv2D(16, 3, 1, "same", activation)(x));
        h = MaxPooling2D(2)(Conv2D(32, 3, 1, "same", "relu")(h));
        h = MaxPooling2D(2)(Conv2D(32, 3, 1, "same", activation)(h));
        Model model({x}, {Dense(3)(Flatten()(h))}, "pooled", 17);
        model.set_dtype_policy(policy);
        check_pooled_in_convolutions(model, random_tensor({5, 8, 16, 3}, 21),
                                     random_tensor({5, 3}, 22));
      }
    }
  });
}

TEST_CASE("a Conv2D pools in its register tiles as MaxPooling2D does, both policies") {
  // The direct loops (float32, AVX-512) and the bfloat16 dot kernels (three windows per tile of
  // 12 output pixels) hold whole 2x2 windows and store their maxima and records only: against the
  // layers one by one, bit for bit, with 16-64 filters (1-4 filter vectors; column groups of 32
  // and 16), windows per row that leave the loops' last steps short, window counts that leave 4,
  // 8 or no pixels in the last dot tile, stride 2, valid padding, a ReLU or none, at 1 and 2
  // threads, on every bfloat16 kernel.
  struct Case {
    Index h, w, cin, filters, stride;
    const char* padding;
  };
  const Case cases[] = {{8, 14, 3, 48, 1, "same"},
                        {8, 10, 3, 16, 1, "same"},
                        {12, 12, 3, 32, 2, "same"},
                        {10, 10, 1, 64, 1, "valid"}};
  auto check = [&](const char* policy, const Case& c, const char* activation) {
    Node x = Input({c.h, c.w, c.cin});
    Node h = Conv2D(c.filters, 3, c.stride, c.padding, activation)(x);
    Model model({x}, {Dense(3)(Flatten()(MaxPooling2D(2)(h)))}, "pooled", 23);
    model.set_dtype_policy(policy);
    check_pooled_in_convolutions(model, random_tensor({5, c.h, c.w, c.cin}, 24),
                                 random_tensor({5, 3}, 25));
  };
  for (const int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Case& c : cases) {
      for (const char* activation : {"linear", "relu"}) {
        INFO(threads << " threads, " << c.h << "x" << c.w << "x" << c.cin << " -> " << c.filters
                     << ", stride " << c.stride << " " << c.padding << ", " << activation);
        check("float32", c, activation);
        testing::for_each_bf16_kernel([&](Bf16Kernel kernel) {
          INFO("mixed_bfloat16, " << bf16_kernel_name(kernel));
          check("mixed_bfloat16", c, activation);
        });
      }
    }
  }
  set_num_threads(0);
}

TEST_CASE("Conv2D::forward_pooled rejects a pooling that does not tile its output") {
  Conv2D conv(16, 3, 1, "same", "relu");
  conv.set_name("conv2d");
  conv.build(Shape{8, 8, 3});
  MaxPooling2D overlapping(3, 2);
  overlapping.build(Shape{8, 8, 16});
  CHECK_FALSE(conv.pools_into(overlapping));
  CHECK_THROWS_WITH(conv.forward_pooled(random_tensor({2, 8, 8, 3}, 3), overlapping, true),
                    Catch::Contains("Conv2D 'conv2d'") && Catch::Contains("tile"));
  MaxPooling2D wrong_shape(2);
  wrong_shape.build(Shape{6, 6, 16});
  CHECK_FALSE(conv.pools_into(wrong_shape));
}

TEST_CASE("in inference a BatchNormalization after a Conv2D is folded into its weights") {
  Node x = Input({8, 8, 3});
  Node h = Conv2D(16, 3, 1, "same", "linear", false)(x);  // direct loops
  h = ReLU()(BatchNormalization(0.9f)(h));
  Node r = Conv2D(32, 3, 1, "same")(h);  // Winograd, with a bias
  r = BatchNormalization(0.9f)(r);
  Model model({x}, {Dense(3)(GlobalAveragePooling2D()(r))}, "folded", 5);
  model.compile(SGD(0.05f), SparseCategoricalCrossentropy(true));
  const Tensor images = random_tensor({16, 8, 8, 3}, 18);
  const Tensor labels = cyclic_labels(16, 3);
  model.fit(images, labels, quiet(3, 8));  // moving statistics away from 0 and 1
  // The same layers one by one, each in inference.
  Tensor expected = images.share();
  for (std::size_t i = 0; i < model.size(); ++i) expected = model.layer(i)(expected, false);
  minidl::testing::check_close(model.predict(images), expected, 1e-4f);
  // In training nothing is folded: the forward is the layers' own.
  Tensor trained = images.share();
  for (std::size_t i = 0; i < model.size(); ++i) trained = model.layer(i)(trained, true);
  const Tensor out = model.forward(images, /*training=*/true);
  for (Index i = 0; i < out.size(); ++i) REQUIRE(out[i] == trained[i]);
}
