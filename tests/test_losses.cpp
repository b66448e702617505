#include <cmath>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/activation_fn.hpp>
#include <minidl/models/losses.hpp>

#include "gradient_check.hpp"

using namespace minidl;

namespace {

Tensor softmax_of(const Tensor& logits) {
  Tensor p = logits.clone();
  activation_forward(ActivationKind::Softmax, p, p.dim(1));
  return p;
}

}  // namespace

TEST_CASE("sparse categorical cross-entropy: hand-computed value") {
  const Tensor logits(Shape{2, 3}, {1, 2, 3, 0, 0, 0});
  const Tensor labels(Shape{2}, {2, 0});
  // Row 0: -log(e^3 / (e + e^2 + e^3)); row 1: -log(1/3).
  const double row0 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  const double expected = (row0 + std::log(3.0)) / 2;
  SparseCategoricalCrossentropy with_logits(/*from_logits=*/true);
  CHECK(with_logits.forward(logits, labels) == Approx(expected));
  SparseCategoricalCrossentropy with_probs(/*from_logits=*/false);
  CHECK(with_probs.forward(softmax_of(logits), labels) == Approx(expected));
  // (N,1) labels mean the same as (N).
  CHECK(with_logits.forward(logits, Tensor(Shape{2, 1}, {2, 0})) == Approx(expected));
}

TEST_CASE("cross-entropy from logits is stable for huge logits") {
  SparseCategoricalCrossentropy loss(true);
  const float value = loss.forward(Tensor(Shape{1, 2}, {1000.0f, -1000.0f}), Tensor(Shape{1}, {1}));
  CHECK(value == Approx(2000.0f));
  const Tensor g = loss.backward();
  CHECK(std::isfinite(g[0]));
  CHECK(g[0] == Approx(1.0f));
}

TEST_CASE("categorical cross-entropy equals the sparse one on one-hot targets") {
  const Tensor logits = testing::random_tensor(Shape{4, 3}, 3, -2, 2);
  const Tensor labels(Shape{4}, {0, 2, 1, 2});
  Tensor onehot(Shape{4, 3}, 0.0f);
  for (Index i = 0; i < 4; ++i) onehot[i * 3 + static_cast<Index>(labels[i])] = 1.0f;
  SparseCategoricalCrossentropy sparse(true);
  CategoricalCrossentropy dense(true);
  CHECK(dense.forward(logits, onehot) == Approx(sparse.forward(logits, labels)));
  CategoricalCrossentropy probs(false);
  CHECK(probs.forward(softmax_of(logits), onehot) == Approx(sparse.forward(logits, labels)));
}

TEST_CASE("mean squared error: hand-computed value") {
  MeanSquaredError mse;
  CHECK(mse.forward(Tensor(Shape{2, 2}, {1, 2, 3, 4}), Tensor(Shape{2, 2}, {0, 2, 5, 4})) ==
        Approx((1.0 + 0 + 4 + 0) / 4));
}

TEST_CASE("loss gradients match finite differences") {
  const Tensor logits = testing::random_tensor(Shape{3, 4}, 8, -2, 2);
  const Tensor probs = softmax_of(logits);
  const Tensor labels(Shape{3}, {1, 3, 0});
  Tensor soft_targets = testing::random_tensor(Shape{3, 4}, 9, 0, 1);
  SECTION("sparse, from logits") {
    SparseCategoricalCrossentropy l(true);
    testing::check_loss_gradient(l, logits.clone(), labels, {1e-3f});
  }
  SECTION("sparse, from probabilities") {
    SparseCategoricalCrossentropy l(false);
    testing::check_loss_gradient(l, probs.clone(), labels, {1e-4f});
  }
  SECTION("categorical, from logits") {
    CategoricalCrossentropy l(true);
    testing::check_loss_gradient(l, logits.clone(), soft_targets, {1e-3f});
  }
  SECTION("categorical, from probabilities") {
    CategoricalCrossentropy l(false);
    testing::check_loss_gradient(l, probs.clone(), soft_targets, {1e-4f});
  }
  SECTION("mean squared error") {
    MeanSquaredError l;
    testing::check_loss_gradient(l, logits.clone(), soft_targets, {1e-3f});
  }
}

TEST_CASE("labels out of range name the label, its index and both shapes") {
  SparseCategoricalCrossentropy loss(true);
  const Tensor logits(Shape{3, 4}, 0.0f);
  CHECK_THROWS_WITH(loss.forward(logits, Tensor(Shape{3}, {0, 4, 1})),
                    Catch::Contains("SparseCategoricalCrossentropy") &&
                        Catch::Contains("label 4 at index 1") && Catch::Contains("[0,4)") &&
                        Catch::Contains("(3,4)") && Catch::Contains("(3)"));
  CHECK_THROWS_WITH(loss.forward(logits, Tensor(Shape{3}, {0, -1, 1})),
                    Catch::Contains("label -1"));
  CHECK_THROWS_WITH(loss.forward(logits, Tensor(Shape{3}, {0, 1.5f, 1})),
                    Catch::Contains("label 1.5"));
  CHECK_THROWS_WITH(loss.forward(logits, Tensor(Shape{2}, {0, 1})),
                    Catch::Contains("(3,4)") && Catch::Contains("(2)"));
  CategoricalCrossentropy cce(true);
  CHECK_THROWS_WITH(cce.forward(logits, Tensor(Shape{3, 3}, 0.0f)),
                    Catch::Contains("(3,4)") && Catch::Contains("(3,3)"));
}
