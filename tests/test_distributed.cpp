// Data-parallel training without MPI: the shard plan, per-sample random draws, synchronised
// BatchNormalization and whole training runs, with ranks simulated by threads
// (thread_communicator.hpp). The same training under mpirun: tests/mpi/.
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "distributed_model.hpp"
#include "gradient_check.hpp"
#include "identical.hpp"
#include "temp_dir.hpp"
#include "thread_communicator.hpp"

using namespace minidl;
using minidl::testing::run_ranks;

TEST_CASE("shard_range: contiguous shards in order, every sample once, sizes within one") {
  for (Index count = 0; count <= 21; ++count) {
    for (int shards = 1; shards <= 5; ++shards) {
      Index next = 0, smallest = count, largest = 0;
      for (int s = 0; s < shards; ++s) {
        const auto [first, last] = shard_range(count, s, shards);
        REQUIRE(first == next);
        REQUIRE(last >= first);
        smallest = std::min(smallest, last - first);
        largest = std::max(largest, last - first);
        next = last;
      }
      REQUIRE(next == count);
      REQUIRE(largest - smallest <= 1);
      REQUIRE((smallest == 0) == (count < shards));
    }
  }
  CHECK_THROWS_WITH(shard_range(10, 2, 2), Catch::Contains("shard 2 of 2"));
}

TEST_CASE("Dataset::shard_batches: the shards of a step are its global batch, in order") {
  const auto data = testing::distributed_data(23);
  const Dataset whole = testing::distributed_batches(data, 10);
  for (int shards : {2, 4}) {
    std::vector<Dataset::Epoch> epochs;
    for (int s = 0; s < shards; ++s) epochs.push_back(whole.shard_batches(s, shards).epoch(1));
    Index position = 0;
    for (Batch& global : whole.epoch(1)) {
      Index offset = 0;
      for (int s = 0; s < shards; ++s) {
        const std::optional<Batch> part = epochs[std::size_t(s)].next();
        REQUIRE(part);
        REQUIRE(part->position == position + offset);
        REQUIRE(part->global_size == global.x.dim(0));
        const Index rows = part->x.dim(0);
        const Index sample = global.x.size() / global.x.dim(0);
        if (rows > 0) {  // an empty shard's tensors have no buffer
          REQUIRE(std::memcmp(part->x.data(), global.x.data() + offset * sample,
                              sizeof(float) * std::size_t(rows * sample)) == 0);
          REQUIRE(std::memcmp(part->y.data(), global.y.data() + offset,
                              sizeof(float) * std::size_t(rows)) == 0);
        }
        offset += rows;
      }
      REQUIRE(offset == global.x.dim(0));
      position += offset;
    }
    CHECK(position == 23);
    for (auto& e : epochs) CHECK_FALSE(e.next());
  }
  // The last batch of 3 leaves shard 0 of 4 empty: a batch with no rows, still counted.
  auto last = whole.shard_batches(0, 4).epoch(0);
  for (int step = 0; step < 2; ++step) last.next();
  const std::optional<Batch> empty = last.next();
  REQUIRE(empty);
  CHECK(empty->x.dim(0) == 0);
  CHECK(empty->global_size == 3);
  CHECK_THROWS_WITH(Dataset(data.x.share(), data.y.share()).shard_batches(0, 2),
                    Catch::Contains("batch() first"));
}

namespace {

// Layer output for the batch at `position` of epoch 2, and the same batch made as two halves
// with their own positions: equal bit for bit.
void check_draws_split(Layer& layer, const Tensor& x) {
  layer.start_epoch(2);
  layer.set_sample_position(40);
  const Tensor whole = layer(x, /*training=*/true);
  const Index n = x.dim(0), half = n / 2;
  layer.set_sample_position(40);
  const Tensor first = layer(x.slice(0, half), true);
  layer.set_sample_position(40 + half);
  const Tensor second = layer(x.slice(half, n), true);
  const std::size_t first_bytes = sizeof(float) * std::size_t(first.size());
  CHECK(std::memcmp(whole.data(), first.data(), first_bytes) == 0);
  CHECK(std::memcmp(whole.data() + first.size(), second.data(),
                    sizeof(float) * std::size_t(second.size())) == 0);
  // The draws are random: another epoch, another position or a second call give other ones.
  layer.start_epoch(3);
  layer.set_sample_position(40);
  const Tensor other_epoch = layer(x, true);
  CHECK_FALSE(testing::identical(whole, other_epoch));
  layer.start_epoch(2);
  layer.set_sample_position(41);
  CHECK_FALSE(testing::identical(whole, layer(x, true)));
  CHECK_FALSE(testing::identical(layer(x, true), layer(x, true)));
}

}  // namespace

TEST_CASE("random draws are per sample: a batch draws what its halves draw separately") {
  const Tensor images = testing::random_tensor(Shape{10, 9, 9, 3}, 4, 0.0f, 1.0f);
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<RandomFlip>("horizontal_and_vertical", 1));
  layers.push_back(std::make_unique<RandomRotation>(0.2f, "reflect", "bilinear", 0.0f, 2));
  layers.push_back(
      std::make_unique<RandomZoom>(0.3f, FactorRange(0.2f), "reflect", "bilinear", 0.0f, 3));
  layers.push_back(std::make_unique<RandomTranslation>(0.2f, 0.1f, "reflect", "bilinear", 0.0f, 4));
  layers.push_back(std::make_unique<RandomContrast>(0.4f, ValueRange{0.0f, 1.0f}, 5));
  layers.push_back(std::make_unique<RandomBrightness>(0.3f, ValueRange{0.0f, 1.0f}, 6));
  layers.push_back(std::make_unique<RandomCrop>(6, 5, 7));
  auto dropout = std::make_unique<Dropout>(0.4f);
  dropout->set_seed(8);
  layers.push_back(std::move(dropout));
  for (auto& layer : layers) {
    INFO(layer->type());
    check_draws_split(*layer, images);
  }
}

TEST_CASE("Dataset::map tells a layer each batch's position: mapped draws equal the model's") {
  const auto data = testing::distributed_data(23);
  RandomTranslation mapped(0.3f, 0.3f, "reflect", "bilinear", 0.0f, 9);
  RandomTranslation direct(0.3f, 0.3f, "reflect", "bilinear", 0.0f, 9);
  const Dataset batches = testing::distributed_batches(data, 10);
  // Batch k of the mapped epoch equals the layer applied to the unmapped batch at its position.
  auto mapped_epoch = batches.map(mapped, true).prefetch(1).epoch(4);
  for (Batch& b : batches.epoch(4)) {
    direct.start_epoch(4);
    direct.set_sample_position(b.position);
    const Tensor expected = direct(b.x, true);
    const std::optional<Batch> got = mapped_epoch.next();
    REQUIRE(got);
    REQUIRE(testing::identical(got->x, expected));
  }
}

namespace {

struct BatchNormResult {
  Tensor y, dx, moving_mean, moving_variance, dgamma, dbeta;
};

BatchNormalization test_batch_norm() {
  BatchNormalization bn(0.9f);
  bn.build(Shape{3, 3, 5});
  bn.gamma().value = testing::random_tensor(Shape{5}, 31, 0.5f, 1.5f);
  bn.beta().value = testing::random_tensor(Shape{5}, 32);
  return bn;
}

BatchNormResult result_of(BatchNormalization& bn, Tensor y, Tensor dx) {
  return {std::move(y),
          std::move(dx),
          bn.moving_mean().value.clone(),
          bn.moving_variance().value.clone(),
          bn.gamma().grad.clone(),
          bn.beta().grad.clone()};
}

void check_close(const Tensor& got, const Tensor& expected, Index offset, double tolerance) {
  for (Index i = 0; i < got.size(); ++i) {
    REQUIRE(got[i] == Approx(expected[offset + i]).margin(tolerance));
  }
}

}  // namespace

TEST_CASE("synchronised BatchNormalization over shards equals it over the whole batch") {
  // Values with a large common offset: the statistics must not lose it in sum(x^2) - sum(x)^2.
  const Tensor x = testing::random_tensor(Shape{12, 3, 3, 5}, 21, 100.0f, 104.0f);
  const Tensor dy = testing::random_tensor(x.shape(), 22);
  BatchNormalization whole = test_batch_norm();
  Tensor y = whole(x, /*training=*/true);
  Tensor dx = whole.backward(dy);
  const BatchNormResult expected = result_of(whole, std::move(y), std::move(dx));
  const Index sample = x.size() / x.dim(0);
  // Uneven shards, and one rank with none (the last batch of an epoch smaller than the ranks).
  for (const std::vector<Index>& bounds : {std::vector<Index>{0, 7, 12}, {0, 7, 12, 12}}) {
    const int ranks = int(bounds.size()) - 1;
    std::vector<BatchNormResult> results(static_cast<std::size_t>(ranks));
    run_ranks(ranks, [&](std::shared_ptr<Communicator> communicator) {
      const int r = communicator->rank();
      const Index first = bounds[std::size_t(r)], last = bounds[std::size_t(r) + 1];
      BatchNormalization bn = test_batch_norm();
      bn.synchronize_over(communicator.get());
      if (last > first) {
        Tensor part_y = bn(x.slice(first, last), true);
        Tensor part_dx = bn.backward(dy.slice(first, last));
        results[std::size_t(r)] = result_of(bn, std::move(part_y), std::move(part_dx));
      } else {
        bn.join_collectives(false);
        bn.join_collectives(true);
        results[std::size_t(r)] = result_of(bn, Tensor(), Tensor());
      }
    });
    Tensor dgamma = Tensor::zeros(Shape{5}), dbeta = Tensor::zeros(Shape{5});
    for (int r = 0; r < ranks; ++r) {
      const BatchNormResult& got = results[std::size_t(r)];
      if (!got.y.empty()) {
        check_close(got.y, expected.y, bounds[std::size_t(r)] * sample, 1e-4);
        check_close(got.dx, expected.dx, bounds[std::size_t(r)] * sample, 1e-4);
      }
      // The moving statistics come out the same on every rank, the one without samples too.
      CHECK(testing::identical(got.moving_mean, results[0].moving_mean));
      CHECK(testing::identical(got.moving_variance, results[0].moving_variance));
      check_close(got.moving_mean, expected.moving_mean, 0, 1e-4);
      check_close(got.moving_variance, expected.moving_variance, 0, 1e-5);
      for (Index j = 0; j < 5; ++j) {
        dgamma[j] += got.dgamma[j];
        dbeta[j] += got.dbeta[j];
      }
    }
    // gamma's and beta's gradients are each rank's part; the model sums them.
    check_close(dgamma, expected.dgamma, 0, 1e-4);
    check_close(dbeta, expected.dbeta, 0, 1e-4);
  }
}

namespace {

struct Trained {
  std::vector<Tensor> weights, trainable;
  History history;
};

std::vector<Tensor> trainable_of(Model& model) {
  std::vector<Tensor> values;
  for (Parameter* p : model.parameters(/*trainable_only=*/true)) values.push_back(p->value.clone());
  return values;
}

// One epoch (3 steps: 10, 10 and 3 samples) of distributed_model on `ranks` simulated ranks;
// one result per rank. ranks == 0: a plain model, not distributed.
std::vector<Trained> train(int ranks, DistributeOptions distribute = {}) {
  const auto data = testing::distributed_data(23);
  const Dataset batches = testing::distributed_batches(data, 10);
  FitOptions options;
  options.verbose = 0;
  if (ranks == 0) {
    Model model = testing::distributed_model();
    std::vector<Trained> one(1);
    one[0].history = model.fit(batches, options);
    one[0].weights = model.get_weights();
    one[0].trainable = trainable_of(model);
    return one;
  }
  std::vector<Trained> results(static_cast<std::size_t>(ranks));
  run_ranks(ranks, [&](std::shared_ptr<Communicator> communicator) {
    Model model = testing::distributed_model();
    const int r = communicator->rank();
    model.distribute(std::move(communicator), distribute);
    History history = model.fit(batches, options);
    results[std::size_t(r)] = {model.get_weights(), trainable_of(model), std::move(history)};
  });
  return results;
}

}  // namespace

TEST_CASE("fit on 1, 2 and 4 ranks gives one process's weights, the same on every rank") {
  const std::vector<Trained> plain = train(0);
  const Trained& alone = plain[0];
  for (int ranks : {1, 2, 4}) {
    INFO(ranks << " ranks");
    const std::vector<Trained> results = train(ranks);
    for (const Trained& r : results) {
      CHECK(testing::identical(r.weights, results[0].weights));
      CHECK(r.history.history == results[0].history.history);
    }
    CHECK(testing::largest_relative_difference(results[0].weights, alone.weights) < 1e-4);
    for (const std::string key : {"loss", "accuracy"}) {
      CHECK(results[0].history.history.at(key)[0] ==
            Approx(alone.history.history.at(key)[0]).epsilon(1e-5));
    }
  }
  // One rank is one process: bit for bit.
  CHECK(testing::identical(train(1)[0].weights, alone.weights));
}

TEST_CASE("fit with local BatchNormalization statistics depends on the split, as documented") {
  const std::vector<Trained> plain = train(0);
  const Trained& alone = plain[0];
  DistributeOptions local;
  local.sync_batch_norm = false;
  const std::vector<Trained> results = train(2, local);
  // The trained weights agree on every rank; the moving statistics are each rank's own.
  CHECK(testing::identical(results[1].trainable, results[0].trainable));
  CHECK_FALSE(testing::identical(results[1].weights, results[0].weights));
  CHECK(testing::largest_relative_difference(results[0].weights, alone.weights) > 1e-3);
}

TEST_CASE("distributed: rank 0 alone writes checkpoints and logs, and a resumed run is exact") {
  testing::TempDir dir;
  const auto data = testing::distributed_data(23);
  const Dataset batches = testing::distributed_batches(data, 10);
  auto path = [&](const std::string& name, int rank) {
    return dir.path() + "/" + name + "-rank" + std::to_string(rank);
  };
  const int ranks = 2;
  std::vector<std::vector<Tensor>> uninterrupted(ranks), resumed(ranks);
  std::vector<Logs> evaluated(ranks);
  run_ranks(ranks, [&](std::shared_ptr<Communicator> communicator) {
    const int r = communicator->rank();
    Model model = testing::distributed_model();
    model.distribute(communicator);
    FitOptions options;
    options.verbose = 0;
    options.epochs = 2;
    options.callbacks = {std::make_shared<ModelCheckpoint>(path("ckpt-{epoch}", r)),
                         std::make_shared<CSVLogger>(path("log.csv", r))};
    model.fit(batches, options);
    uninterrupted[std::size_t(r)] = model.get_weights();
    evaluated[std::size_t(r)] = model.evaluate(data.x, data.y, 10);
  });
  CHECK(std::filesystem::exists(path("ckpt-1", 0)));
  CHECK(std::filesystem::exists(path("log.csv", 0)));
  CHECK_FALSE(std::filesystem::exists(path("ckpt-1", 1)));
  CHECK_FALSE(std::filesystem::exists(path("log.csv", 1)));
  CHECK(testing::identical(uninterrupted[1], uninterrupted[0]));

  // Resumed from epoch 1's checkpoint, loaded on rank 0 only: fit starts rank 1 from rank 0's
  // weights and optimizer state.
  run_ranks(ranks, [&](std::shared_ptr<Communicator> communicator) {
    const int r = communicator->rank();
    Model model = testing::distributed_model();
    if (r == 0) model.load_weights(path("ckpt-1", 0));
    model.distribute(communicator);
    FitOptions options;
    options.verbose = 0;
    options.epochs = 2;
    options.initial_epoch = 1;
    model.fit(batches, options);
    resumed[std::size_t(r)] = model.get_weights();
  });
  CHECK(testing::identical(resumed[0], uninterrupted[0]));
  CHECK(testing::identical(resumed[1], uninterrupted[0]));

  // evaluate over shards gives the whole set's numbers, on every rank.
  Model single = testing::distributed_model();
  single.set_weights(uninterrupted[0]);
  const Logs expected = single.evaluate(data.x, data.y, 10);
  for (const Logs& logs : evaluated) {
    CHECK(logs.at("loss") == Approx(expected.at("loss")).epsilon(1e-5));
    CHECK(logs.at("accuracy") == Approx(expected.at("accuracy")));
  }
}
