// Weights files (round trip, every kind of bad file leaving the model untouched), resuming fit
// from a checkpoint bit-identically, and the callbacks.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "fit_options.hpp"
#include "identical.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;
using Catch::Contains;

namespace {

// A small CNN with every kind of state: augmentation and Dropout draws, BatchNormalization's
// moving statistics (non-trainable), Adam's moments.
template <class O = Adam>
Sequential small_cnn(std::uint64_t seed, Index filters = 4, O optimizer = Adam(0.01f)) {
  Sequential model(seed);
  model.add(RandomFlip("horizontal"));
  model.add(Conv2D(filters, 3, 1, "same", "relu"));
  model.add(BatchNormalization());
  model.add(MaxPooling2D(2));
  model.add(Flatten());
  model.add(Dropout(0.25f));
  model.add(Dense(3));
  model.build(Shape{8, 8, 1});
  model.compile(std::move(optimizer), SparseCategoricalCrossentropy(true), {"accuracy"});
  return model;
}

// 96 images whose class is where the bright square is (left, right, none).
Dataset squares(std::uint64_t shuffle_seed) {
  Tensor x(Shape{96, 8, 8, 1}, 0.0f), y(Shape{96});
  Generator rng(5);
  for (Index i = 0; i < 96; ++i) {
    y[i] = float(i % 3);
    for (Index p = 0; p < 64; ++p) x[i * 64 + p] = rng.uniform(0.0f, 0.2f);
    if (i % 3 == 2) continue;
    const Index col = i % 3 == 0 ? 1 : 5;
    for (Index r = 3; r < 5; ++r) x[i * 64 + r * 8 + col] = x[i * 64 + r * 8 + col + 1] = 1.0f;
  }
  return Dataset(std::move(x), std::move(y)).shuffle(shuffle_seed).batch(16);
}

Tensor test_images() {
  Tensor x(Shape{10, 8, 8, 1});
  Generator rng(9);
  for (Index i = 0; i < x.size(); ++i) x[i] = rng.uniform(0.0f, 1.0f);
  return x;
}

}  // namespace

TEST_CASE("save_weights then load_weights into a fresh model predicts identically") {
  TempDir dir;
  Sequential trained = small_cnn(1);
  trained.fit(squares(3), quiet(2));
  trained.save_weights(dir.file("m.weights"));
  Sequential fresh = small_cnn(2);
  CHECK_FALSE(identical(fresh.get_weights(), trained.get_weights()));
  fresh.load_weights(dir.file("m.weights"));
  CHECK(identical(fresh.get_weights(), trained.get_weights()));
  const Tensor x = test_images();
  std::vector<Tensor> a, b;
  a.push_back(fresh.predict(x));
  b.push_back(trained.predict(x));
  CHECK(identical(a, b));
  // Saving over the file again leaves no temporary file behind, and the file's mode is what the
  // umask makes of 0666, as for any file the user writes.
  const mode_t previous = umask(027);
  trained.save_weights(dir.file("m.weights"));
  umask(previous);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);
  struct stat status {};
  REQUIRE(stat(dir.file("m.weights").c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0640);
}

TEST_CASE("a save removes the temporaries of dead writers on this host, and only those") {
  TempDir dir;
  const std::string target = dir.file("m.weights");
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  const pid_t child = fork();  // exits at once: a pid whose process is gone
  REQUIRE(child >= 0);
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  const std::string here = target + ".tmp-" + host + "-";
  const std::string dead = here + std::to_string(child) + "-a1b2c3";
  const std::string alive = here + std::to_string(getppid()) + "-d4e5f6";
  const std::string other_host = target + ".tmp-another-host-" + std::to_string(child) + "-g7h8i9";
  const std::string other_target =
      dir.file("n.weights.tmp-") + host + "-" + std::to_string(child) + "-j0k1l2";
  for (const std::string& f : {dead, alive, other_host, other_target}) write_bytes(f, {1, 2, 3});
  small_cnn(1).save_weights(target);
  CHECK_FALSE(std::filesystem::exists(dead));
  CHECK(std::filesystem::exists(alive));
  CHECK(std::filesystem::exists(other_host));
  CHECK(std::filesystem::exists(other_target));
}

TEST_CASE("bad weights files give a clear error and leave the model untouched") {
  TempDir dir;
  Sequential source = small_cnn(1);
  source.save_weights(dir.file("good.weights"), /*include_optimizer=*/true);
  const std::vector<std::uint8_t> good = file_bytes(dir.file("good.weights"));
  Sequential model = small_cnn(2);
  const std::vector<Tensor> before = model.get_weights();
  auto fails_with = [&](const std::string& name, const std::vector<std::uint8_t>& bytes,
                        const std::string& text) {
    write_bytes(dir.file(name), bytes);
    CHECK_THROWS_WITH(model.load_weights(dir.file(name)), Contains(name) && Contains(text));
    CHECK(identical(model.get_weights(), before));
  };
  fails_with("truncated.weights", std::vector<std::uint8_t>(good.begin(), good.end() - 100),
             "CRC-32 mismatch");
  for (std::size_t at : {std::size_t(20), good.size() / 2, good.size() - 1}) {
    std::vector<std::uint8_t> flipped = good;
    flipped[at] ^= 0x10;
    fails_with("flipped.weights", flipped, "the file is truncated or corrupt");
  }
  fails_with("other.weights", {'h', 'e', 'l', 'l', 'o'}, "not a minidl weights file");
  CHECK_THROWS_WITH(model.load_weights(dir.file("missing.weights")),
                    Contains("missing.weights") && Contains("cannot open"));
  // A model with another architecture: the differing names and shapes are listed.
  Sequential wider = small_cnn(3, /*filters=*/6);
  wider.save_weights(dir.file("wider.weights"));
  CHECK_THROWS_WITH(model.load_weights(dir.file("wider.weights")),
                    Contains("different shapes: conv2d/kernel (3,3,1,6) in the file, (3,3,1,4) "
                             "in the model"));
  Sequential deeper(0);
  deeper.add(Dense(3, "relu")).set_name("dense_9");
  deeper.build(Shape{2});
  deeper.save_weights(dir.file("deeper.weights"));
  CHECK_THROWS_WITH(model.load_weights(dir.file("deeper.weights")),
                    Contains("missing from the file: conv2d/kernel") &&
                        Contains("not in the model: dense_9/bias, dense_9/kernel"));
  CHECK(identical(model.get_weights(), before));
  // An optimizer of another type.
  Sequential sgd = small_cnn(4);
  sgd.compile(SGD(0.1f, 0.9f), SparseCategoricalCrossentropy(true));
  CHECK_THROWS_WITH(sgd.load_weights(dir.file("good.weights")),
                    Contains("not for this model's SGD optimizer"));
  Sequential unbuilt;
  unbuilt.add(Dense(2));
  CHECK_THROWS_WITH(unbuilt.load_weights(dir.file("good.weights")),
                    Contains("needs a built model"));
}

TEST_CASE("2 epochs, a checkpoint, a fresh model and 2 more epochs equal 4 epochs at once") {
  TempDir dir;
  Sequential straight = small_cnn(7);
  const History all = straight.fit(squares(11), quiet(4));

  Sequential first = small_cnn(7);
  first.fit(squares(11), quiet(2));
  first.save_weights(dir.file("epoch2.weights"), /*include_optimizer=*/true);
  Sequential resumed = small_cnn(7);
  resumed.load_weights(dir.file("epoch2.weights"));
  CHECK(resumed.optimizer().iterations() == 2 * 6);
  const History rest = resumed.fit(squares(11), quiet(4, 32, /*initial_epoch=*/2));
  CHECK(rest.epochs() == 2);
  CHECK(rest.history.at("loss")[1] == all.history.at("loss")[3]);
  CHECK(identical(resumed.get_weights(), straight.get_weights()));

  // Without the optimizer's state the run differs: the state is what makes it exact.
  first.save_weights(dir.file("no_optimizer.weights"));
  Sequential cold = small_cnn(7);
  cold.load_weights(dir.file("no_optimizer.weights"));
  cold.fit(squares(11), quiet(4, 32, 2));
  CHECK_FALSE(identical(cold.get_weights(), straight.get_weights()));
  CHECK_THROWS_WITH(cold.fit(squares(11), quiet(2, 32, 3)), Contains("initial_epoch must be in"));
}

TEST_CASE("a learning-rate schedule resumes from a checkpoint's step count") {
  TempDir dir;
  const auto optimizer = [] { return AdamW(CosineDecay(0.01f, 30), 0.01f); };
  Sequential straight = small_cnn(7, 4, optimizer());
  straight.fit(squares(11), quiet(4));
  Sequential first = small_cnn(7, 4, optimizer());
  first.fit(squares(11), quiet(2));
  first.save_weights(dir.file("epoch2.weights"), /*include_optimizer=*/true);
  Sequential resumed = small_cnn(7, 4, optimizer());
  resumed.load_weights(dir.file("epoch2.weights"));
  CHECK(resumed.optimizer().learning_rate() == first.optimizer().learning_rate());
  CHECK(resumed.optimizer().learning_rate() < 0.01f);
  resumed.fit(squares(11), quiet(4, 32, /*initial_epoch=*/2));
  CHECK(identical(resumed.get_weights(), straight.get_weights()));
  // fit's LearningRateScheduler cannot fight the schedule.
  FitOptions options = quiet(1);
  options.callbacks = {std::make_shared<LearningRateScheduler>([](int, float lr) { return lr; })};
  CHECK_THROWS_WITH(resumed.fit(squares(11), options), Contains("schedule"));
}

namespace {

// Records what fit tells its callbacks.
struct Recorder : Callback {
  std::vector<int> epochs_begun;
  std::vector<float> learning_rates;
  Index batches = 0;
  std::vector<Tensor> weights_after_first_epoch;
  bool began = false, ended = false;
  void on_train_begin(const Logs&) override { began = true; }
  void on_train_end(const Logs&) override { ended = true; }
  void on_epoch_begin(int epoch) override {
    epochs_begun.push_back(epoch);
    learning_rates.push_back(model().optimizer().learning_rate());
  }
  void on_batch_end(Index, const Logs& logs) override {
    ++batches;
    REQUIRE(logs.count("loss"));
  }
  void on_epoch_end(int epoch, const Logs&) override {
    if (epoch == 0) weights_after_first_epoch = model().get_weights();
  }
};

}  // namespace

TEST_CASE("user callbacks, LearningRateScheduler and CSVLogger see every epoch and batch") {
  TempDir dir;
  Sequential model = small_cnn(1);
  auto schedule = std::make_shared<LearningRateScheduler>(
      [](int epoch, float lr) { return epoch == 0 ? 0.1f : lr / 2; });
  auto recorder = std::make_shared<Recorder>();
  FitOptions options = quiet(3);
  options.callbacks = {schedule, recorder, std::make_shared<CSVLogger>(dir.file("log.csv"))};
  model.fit(squares(1), squares(2).take(2), options);
  CHECK(recorder->began);
  CHECK(recorder->ended);
  CHECK(recorder->epochs_begun == std::vector<int>{0, 1, 2});
  CHECK(recorder->learning_rates == std::vector<float>{0.1f, 0.05f, 0.025f});
  CHECK(recorder->batches == 3 * 6);
  std::vector<std::string> csv = file_lines(dir.file("log.csv"));
  REQUIRE(csv.size() == 4);
  CHECK(csv[0] == "epoch,accuracy,loss,val_accuracy,val_loss");
  CHECK(csv[3].rfind("2,", 0) == 0);
  // A resumed run appends rows under the same header.
  options = quiet(5, 32, 3);
  options.callbacks = {std::make_shared<CSVLogger>(dir.file("log.csv"), /*append=*/true)};
  model.fit(squares(1), squares(2).take(2), options);
  csv = file_lines(dir.file("log.csv"));
  REQUIRE(csv.size() == 6);
  CHECK(csv[5].rfind("4,", 0) == 0);
  CHECK(std::count(csv[5].begin(), csv[5].end(), ',') == 4);
}

TEST_CASE("EarlyStopping stops after patience epochs and restores the best weights") {
  Sequential model = small_cnn(1);
  // Monitoring the training loss as if higher were better: epoch 0 stays the best.
  auto stop = std::make_shared<EarlyStopping>("loss", /*patience=*/1, 0.0f, "max",
                                              /*restore_best_weights=*/true);
  auto recorder = std::make_shared<Recorder>();
  FitOptions options = quiet(10);
  options.callbacks = {recorder, stop};
  const History h = model.fit(squares(1), options);
  CHECK(h.epochs() == 3);
  CHECK(stop->best_epoch() == 0);
  CHECK(stop->stopped_epoch() == 2);
  CHECK(identical(model.get_weights(), recorder->weights_after_first_epoch));
  // A monitored key that fit does not produce.
  options.callbacks = {std::make_shared<EarlyStopping>("val_loss")};
  CHECK_THROWS_WITH(model.fit(squares(1), options),
                    Contains("'val_loss' is not in the epoch's logs (accuracy, loss)"));
}

TEST_CASE("ModelCheckpoint saves every epoch or the best only, loadable to resume") {
  TempDir dir;
  Sequential model = small_cnn(1);
  auto every = std::make_shared<ModelCheckpoint>(dir.file("ckpt-{epoch:02d}.weights"));
  auto best = std::make_shared<ModelCheckpoint>(dir.file("best.weights"), "loss",
                                                /*save_best_only=*/true, "max");
  auto recorder = std::make_shared<Recorder>();
  FitOptions options = quiet(3);
  options.callbacks = {recorder, every, best};
  model.fit(squares(1), options);
  for (const char* name : {"ckpt-01.weights", "ckpt-02.weights", "ckpt-03.weights"})
    CHECK(std::filesystem::exists(dir.file(name)));
  CHECK(every->last_saved() == dir.file("ckpt-03.weights"));
  // Best-only with "max" on a falling loss: only epoch 0 was saved.
  Sequential check = small_cnn(5);
  check.load_weights(dir.file("best.weights"));
  CHECK(identical(check.get_weights(), recorder->weights_after_first_epoch));
  check.load_weights(dir.file("ckpt-03.weights"));
  CHECK(identical(check.get_weights(), model.get_weights()));
  CHECK(check.optimizer().iterations() == model.optimizer().iterations());
}

TEST_CASE("ReduceLROnPlateau follows Keras: patience, cooldown, min_lr, the monitor's mode") {
  Sequential model = small_cnn(1);
  ReduceLROnPlateau reduce("val_loss", /*factor=*/0.5f, /*patience=*/2, "auto", /*min_delta=*/0.0f,
                           /*cooldown=*/1, /*min_lr=*/0.002f);
  reduce.set_model(model);
  reduce.on_train_begin({});
  // Epoch by epoch: best at 0; reduced after 2 epochs without improvement (2, 4); the cooldown
  // epoch after each reduction does not count (3, 5); 5 improves; 7 reduces to min_lr, which 9
  // cannot go below.
  const std::vector<float> losses{1, 1, 1, 1, 1, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  const std::vector<float> expected{0.01f,   0.01f,   0.005f, 0.005f, 0.0025f,
                                    0.0025f, 0.0025f, 0.002f, 0.002f, 0.002f};
  std::vector<float> rates;
  for (int epoch = 0; epoch < 10; ++epoch) {
    reduce.on_epoch_end(epoch, {{"val_loss", losses[std::size_t(epoch)]}});
    rates.push_back(model.optimizer().learning_rate());
  }
  CHECK(rates == expected);
  // "auto" on an accuracy maximises: a rising accuracy never reduces.
  Sequential other = small_cnn(1);
  ReduceLROnPlateau on_accuracy("val_accuracy", 0.5f, 1);
  on_accuracy.set_model(other);
  on_accuracy.on_train_begin({});
  for (int epoch = 0; epoch < 4; ++epoch)
    on_accuracy.on_epoch_end(epoch, {{"val_accuracy", 0.5f + 0.1f * epoch}});
  CHECK(other.optimizer().learning_rate() == 0.01f);
  CHECK_THROWS_WITH(ReduceLROnPlateau("val_loss", 1.0f), Contains("factor"));
  CHECK_THROWS_WITH(reduce.on_epoch_end(10, {{"loss", 1.0f}}), Contains("val_loss"));
}

TEST_CASE("TerminateOnNaN stops fit after the first batch with a NaN loss") {
  Sequential model = small_cnn(1);
  auto stop = std::make_shared<TerminateOnNaN>();
  auto recorder = std::make_shared<Recorder>();
  FitOptions options = quiet(3);
  options.callbacks = {stop, recorder};
  Tensor x(Shape{32, 8, 8, 1}, std::numeric_limits<float>::quiet_NaN()), y(Shape{32}, 1.0f);
  const History history = model.fit(Dataset(std::move(x), std::move(y)).batch(16), options);
  CHECK(stop->stopped_epoch() == 0);
  CHECK(stop->stopped_step() == 1);
  CHECK(recorder->batches == 1);
  CHECK(recorder->epochs_begun == std::vector<int>{0});
  CHECK(history.epochs() == 1);
}
