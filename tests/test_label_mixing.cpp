// MixUp and CutMix on batches of a Dataset: images and labels mixed together, per image.
#include <cmath>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "gradient_check.hpp"
#include "identical.hpp"

using namespace minidl;

namespace {

Dataset labelled(Index n, Index h = 6, Index w = 5) {
  Tensor x = testing::random_tensor(Shape{n, h, w, 2}, 3, 0.0f, 1.0f);
  Tensor y(Shape{n});
  for (Index i = 0; i < n; ++i) y[i] = float(i % 4);
  return Dataset(std::move(x), std::move(y));
}

}  // namespace

TEST_CASE("MixUp blends each image and its one-hot label with a partner's, lambda per image") {
  const Index n = 4000;
  const Dataset data = labelled(n);
  MixUp mix(0.2f, 4, 1);
  auto epoch = data.batch(n).map(mix, /*training=*/true).epoch(0);
  const Batch b = *epoch.next();
  auto plain_epoch = data.batch(n).epoch(0);
  const Batch plain = *plain_epoch.next();
  REQUIRE(b.y.shape() == Shape{n, 4});
  std::set<Index> partners(mix.last_partners().begin(), mix.last_partners().end());
  CHECK(Index(partners.size()) == n);  // a permutation
  double mean = 0.0, square = 0.0;
  const Index size = 60;
  for (Index i = 0; i < n; ++i) {
    const float l = mix.last_weights()[std::size_t(i)];
    const Index p = mix.last_partners()[std::size_t(i)];
    REQUIRE((l >= 0.0f && l <= 1.0f));
    mean += l / n;
    square += double(l) * l / n;
    for (Index k = 0; k < size; k += 7) {
      REQUIRE(b.x[i * size + k] ==
              Approx(l * plain.x[i * size + k] + (1 - l) * plain.x[p * size + k]).margin(1e-6));
    }
    float total = 0.0f;
    for (Index c = 0; c < 4; ++c) {
      const float expected = l * (plain.y[i] == c) + (1 - l) * (plain.y[p] == c);
      REQUIRE(b.y[i * 4 + c] == Approx(expected).margin(1e-6));
      total += b.y[i * 4 + c];
    }
    REQUIRE(total == Approx(1.0f).margin(1e-6));
  }
  // Beta(0.2, 0.2): mean 1/2, variance 1 / (4 (2 alpha + 1)) = 0.1786.
  CHECK(mean == Approx(0.5).margin(0.02));
  CHECK(square - mean * mean == Approx(0.1786).margin(0.01));
}

TEST_CASE("CutMix pastes a partner's rectangle and weighs the labels by its area") {
  const Index n = 2000;
  const Dataset data = labelled(n, 10, 12);
  CutMix cut(1.0f, 4, 2);
  auto epoch = data.batch(n).map(cut, true).epoch(3);
  const Batch b = *epoch.next();
  auto plain_epoch = data.batch(n).epoch(3);
  const Batch plain = *plain_epoch.next();
  double mean_area = 0.0;
  for (Index i = 0; i < n; ++i) {
    const auto box = cut.last_boxes()[std::size_t(i)];
    const Index p = cut.last_partners()[std::size_t(i)];
    const double area = double((box.bottom - box.top) * (box.right - box.left)) / 120.0;
    mean_area += area / n;
    REQUIRE(cut.last_weights()[std::size_t(i)] == Approx(1.0 - area).margin(1e-6));
    for (Index y = 0; y < 10; ++y)
      for (Index x = 0; x < 12; ++x) {
        const bool inside = y >= box.top && y < box.bottom && x >= box.left && x < box.right;
        const Index at = (y * 12 + x) * 2;
        REQUIRE(b.x[i * 240 + at] == (inside ? plain.x[p * 240 + at] : plain.x[i * 240 + at]));
      }
  }
  // Beta(1, 1) gives 1 - lambda uniform, mean 1/2; clipping at the borders makes it smaller.
  CHECK((mean_area > 0.2 && mean_area < 0.5));
}

TEST_CASE("label mixing: one-hot only at inference, seeded, refuses bad labels") {
  const Dataset data = labelled(16);
  MixUp mix(0.4f, 4, 3);
  auto inference = data.batch(16).map(mix, false).epoch(0);
  const Batch b = *inference.next();
  auto plain_epoch = data.batch(16).epoch(0);
  const Batch plain = *plain_epoch.next();
  CHECK(testing::identical(b.x, plain.x));
  for (Index i = 0; i < 16; ++i) CHECK(b.y[i * 4 + Index(plain.y[i])] == 1.0f);
  // The same seed, epoch and batch replay; another epoch draws otherwise.
  auto first = data.batch(16).map(mix, true).epoch(2);
  const Tensor once = first.next()->x.clone();
  auto again = data.batch(16).map(mix, true).epoch(2);
  CHECK(testing::identical(again.next()->x, once));
  auto other = data.batch(16).map(mix, true).epoch(3);
  CHECK_FALSE(testing::identical(other.next()->x, once));

  MixUp no_classes(0.2f);
  auto missing = data.batch(16).map(no_classes, true).epoch(0);
  CHECK_THROWS_WITH(missing.next(), Catch::Contains("MixUp") && Catch::Contains("num_classes"));
  MixUp two(0.2f, 2);
  auto bad = data.batch(16).map(two, true).epoch(0);
  CHECK_THROWS_WITH(bad.next(), Catch::Contains("label 2") && Catch::Contains("[0,2)"));
  CHECK_THROWS_WITH(MixUp(0.0f), Catch::Contains("alpha"));
}
