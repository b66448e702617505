// Dataset: shuffling, batching, take/skip, uint8 conversion, map with the training flag,
// prefetch, and fit/evaluate on a Dataset.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

// n samples whose x and y both hold the sample's index, so a batch shows which samples it has.
Dataset indexed(Index n) {
  Tensor x(Shape{n, 2}), y(Shape{n});
  for (Index i = 0; i < n; ++i) x[2 * i] = x[2 * i + 1] = y[i] = float(i);
  return Dataset(std::move(x), std::move(y));
}

std::vector<Index> order_of(const Dataset& data, std::uint64_t epoch) {
  std::vector<Index> order;
  for (Batch& b : data.epoch(epoch)) {
    for (Index i = 0; i < b.y.size(); ++i) order.push_back(Index(b.y[i]));
  }
  return order;
}

// n images (h,w,3) with pixel values (i + p) mod 256, labels i mod 10.
LabeledImages pattern_images(Index n, Index h, Index w) {
  LabeledImages data;
  data.images = ImageArray({n, h, w, 3});
  for (Index i = 0; i < n; ++i) {
    for (Index p = 0; p < h * w * 3; ++p) data.images.image(i)[p] = std::uint8_t((i + p) % 256);
    data.labels.push_back(std::int32_t(i % 10));
  }
  return data;
}

// The x of the first batch of epoch `epoch`.
Tensor first_x(const Dataset& data, std::uint64_t epoch = 0) {
  return std::move(data.epoch(epoch).next()->x);
}

bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

}  // namespace

TEST_CASE("shuffle is a permutation, new every epoch and the same for the same seed") {
  const Dataset data = indexed(100).shuffle(7).batch(16);
  const std::vector<Index> e0 = order_of(data, 0), e1 = order_of(data, 1);
  std::vector<Index> sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  std::vector<Index> identity(100);
  std::iota(identity.begin(), identity.end(), Index{0});
  CHECK(sorted == identity);
  CHECK(e0 != identity);
  CHECK(e0 != e1);
  CHECK(order_of(data, 1) == e1);
  CHECK(order_of(indexed(100).shuffle(8).batch(16), 0) != e0);
  // Unshuffled: the stored order in every epoch.
  CHECK(order_of(indexed(100).batch(16), 3) == identity);
}

TEST_CASE("batch sizes add up, with and without drop_remainder") {
  const Dataset data = indexed(100);
  std::vector<Index> sizes;
  for (Batch& b : data.batch(32).epoch(0)) sizes.push_back(b.x.dim(0));
  CHECK(sizes == std::vector<Index>{32, 32, 32, 4});
  CHECK(data.batch(32).steps() == 4);
  CHECK(data.batch(32, /*drop_remainder=*/true).steps() == 3);
  Index total = 0;
  for (Batch& b : data.batch(32, true).epoch(0)) total += b.x.dim(0);
  CHECK(total == 96);
  // Unbatched: one sample per step.
  CHECK(data.steps() == 100);
  CHECK(data.epoch(0).next()->x.shape() == Shape{1, 2});
}

TEST_CASE("take and skip select samples before batch and batches after it") {
  const Dataset data = indexed(100);
  CHECK(order_of(data.skip(90).batch(4), 0) ==
        std::vector<Index>{90, 91, 92, 93, 94, 95, 96, 97, 98, 99});
  CHECK(order_of(data.take(3).batch(2), 0) == std::vector<Index>{0, 1, 2});
  CHECK(data.batch(10).take(2).steps() == 2);
  CHECK(order_of(data.batch(10).take(2), 0).size() == 20);
  // A shuffled subset draws from its own samples only.
  for (Index i : order_of(data.skip(50).take(20).shuffle(1).batch(8), 2)) {
    CHECK(i >= 50);
    CHECK(i < 70);
  }
  CHECK_THROWS_WITH(data.batch(4).skip(1), Catch::Contains("before batch"));
  CHECK_THROWS_WITH(data.batch(0), Catch::Contains("batch size must be >= 1, got 0"));
  CHECK_THROWS_WITH(data.batch(4).batch(2), Catch::Contains("already batched by 4"));
  CHECK_THROWS_WITH(data.take(-1), Catch::Contains("n >= 0"));
}

TEST_CASE("uint8 images become float batches with the same values, labels as class ids") {
  const LabeledImages images = pattern_images(5, 4, 3);
  const Dataset data = Dataset(images).batch(2);
  CHECK(data.sample_shape() == Shape{4, 3, 3});
  Dataset::Epoch epoch = data.epoch(0);
  epoch.next();
  const Batch b = *epoch.next();  // images 2 and 3
  REQUIRE(b.x.shape() == Shape{2, 4, 3, 3});
  for (Index k = 0; k < 2; ++k) {
    for (Index p = 0; p < 36; ++p) CHECK(b.x[k * 36 + p] == float((2 + k + p) % 256));
    CHECK(b.y[k] == float(images.labels[2 + k]));
  }
  CHECK_THROWS_WITH(Dataset(ImageArray({3, 2, 2, 1}), {0, 1}),
                    Catch::Contains("3 images but 2 labels"));
  CHECK_THROWS_WITH(Dataset(ImageArray({2, 2, 2, 1}), {0, -1}), Catch::Contains("label 1 is -1"));
  CHECK_THROWS_WITH(Dataset(Tensor(Shape{3, 2}), Tensor(Shape{4})),
                    Catch::Contains("got x (3,2) and y (4)"));
}

TEST_CASE("map with an augmentation layer changes images when training, not otherwise") {
  const Dataset data = Dataset(pattern_images(64, 8, 8)).batch(64);
  const Tensor original = first_x(data);
  RandomFlip flip("horizontal", /*seed=*/3);
  const Tensor augmented = first_x(data.map(flip, /*training=*/true));
  const Tensor inferred = first_x(data.map(flip, /*training=*/false));
  CHECK(same_values(inferred, original));
  // Each image is either itself or its mirror, and both occur.
  Index flipped = 0;
  Tensor mirror(Shape{8, 8, 3});
  for (Index i = 0; i < 64; ++i) {
    const float* in = original.data() + i * 192;
    const float* out = augmented.data() + i * 192;
    flip_image(in, mirror.data(), 8, 8, 3, /*horizontal=*/true, /*vertical=*/false);
    const bool same = std::equal(in, in + 192, out);
    const bool mirrored = std::equal(mirror.data(), mirror.data() + 192, out);
    CHECK((same || mirrored));
    flipped += mirrored;
  }
  CHECK(flipped > 16);
  CHECK(flipped < 48);
}

TEST_CASE("a mapped layer draws per epoch: the same epoch twice is identical, epochs differ") {
  const Dataset base = Dataset(pattern_images(32, 8, 8)).batch(32);
  RandomRotation rotation(0.2f, "reflect", "bilinear", 0.0f, /*seed=*/11);
  const Dataset data = base.map(rotation, /*training=*/true);
  const Tensor e1 = first_x(data, 1);
  const Tensor e2 = first_x(data, 2);
  CHECK(same_values(first_x(data, 1), e1));
  CHECK_FALSE(same_values(e1, e2));
}

TEST_CASE("prefetch yields the same batches as the plain pipeline, and its errors") {
  RandomFlip flip_a("horizontal", 5), flip_b("horizontal", 5);
  const Dataset base = Dataset(pattern_images(200, 8, 8)).shuffle(3).batch(16);
  const Dataset plain = base.map(flip_a, true);
  const Dataset ahead = base.map(flip_b, true).prefetch(3);
  for (std::uint64_t e : {0u, 1u}) {
    Dataset::Epoch a = plain.epoch(e), b = ahead.epoch(e);
    CHECK(b.steps() == 13);
    Index steps = 0;
    while (auto x = a.next()) {
      auto y = b.next();
      REQUIRE(y);
      CHECK(same_values(x->x, y->x));
      CHECK(same_values(x->y, y->y));
      ++steps;
    }
    CHECK(steps == 13);
    CHECK_FALSE(b.next());
  }
  // An epoch dropped half-way stops its thread.
  {
    Dataset::Epoch partial = ahead.epoch(4);
    partial.next();
  }
  // A map that throws on the third batch: the error comes out of next() on the caller's thread.
  int calls = 0;
  const Dataset failing = base.map([&calls](const Tensor& x) {
                                if (++calls == 3) throw Error("map failed on purpose");
                                return x.clone();
                              })
                              .prefetch(2);
  Dataset::Epoch epoch = failing.epoch(0);
  CHECK(epoch.next());
  CHECK(epoch.next());
  CHECK_THROWS_WITH(epoch.next(), "map failed on purpose");
}

TEST_CASE("fit and evaluate on a Dataset equal fit and evaluate on the same tensors") {
  const LabelledData data = make_spirals(100, 0.05f, 4);
  auto model = [] {
    Sequential m(9);
    m.add(Dense(16, "relu"));
    m.add(Dense(2));
    m.compile(Adam(0.01f), SparseCategoricalCrossentropy(true), {"accuracy"});
    return m;
  };
  FitOptions options;
  options.epochs = 3;
  options.batch_size = 20;
  options.verbose = 0;
  Sequential a = model(), b = model();
  const History ha = a.fit(data.x, data.y, options);
  const Dataset ds = Dataset(data.x.clone(), data.y.clone()).shuffle(9).batch(20).prefetch(2);
  const History hb = b.fit(ds, options);
  CHECK(ha.history.at("loss") == hb.history.at("loss"));
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(same_values(pa[i]->value, pb[i]->value));
  const Logs ea = a.evaluate(data.x, data.y, 20);
  const Logs eb = b.evaluate(Dataset(data.x.clone(), data.y.clone()).batch(20));
  CHECK(ea.at("loss") == eb.at("loss"));
  CHECK(ea.at("accuracy") == eb.at("accuracy"));
  // Validation data as a Dataset adds val_ entries; an empty dataset is refused.
  const History hv = b.fit(ds, ds.take(2), options);
  CHECK(hv.history.count("val_accuracy") == 1);
  CHECK_THROWS_WITH(b.fit(ds.take(0), options), Catch::Contains("no batches"));
  options.validation_split = 0.2f;
  CHECK_THROWS_WITH(b.fit(ds, options), Catch::Contains("cannot use validation_split"));
}
