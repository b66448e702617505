#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/generator.hpp>
#include <minidl/layers/batch_normalization.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"

using namespace minidl;

TEST_CASE("BatchNormalization inference matches PyTorch with the moving statistics") {
  const testing::Golden golden("conv_bn_golden.txt");
  const Tensor x = golden["bn_inference/x"];
  BatchNormalization bn;
  bn.build(x.shape().without_batch());
  bn.gamma().value = golden["bn_inference/gamma"];
  bn.beta().value = golden["bn_inference/beta"];
  bn.moving_mean().value = golden["bn_inference/moving_mean"];
  bn.moving_variance().value = golden["bn_inference/moving_variance"];
  testing::check_close(bn(x, /*training=*/false), golden["bn_inference/y"], 1e-4f);
}

TEST_CASE("BatchNormalization training normalises with batch statistics and moves the averages") {
  // Channel 0 holds 1,3 (mean 2, biased variance 1); channel 1 holds 10,10 (variance 0).
  BatchNormalization bn(/*momentum=*/0.9f, /*epsilon=*/1e-3f);
  const Tensor y = bn(Tensor(Shape{2, 2}, {1, 10, 3, 10}), /*training=*/true);
  CHECK(y[0] == Approx(-1.0f / std::sqrt(1.001f)));
  CHECK(y[2] == Approx(1.0f / std::sqrt(1.001f)));
  CHECK(y[1] == Approx(0.0f).margin(1e-6));
  CHECK(bn.moving_mean().value[0] == Approx(0.1f * 2.0f));
  CHECK(bn.moving_mean().value[1] == Approx(0.1f * 10.0f));
  CHECK(bn.moving_variance().value[0] == Approx(0.9f + 0.1f * 1.0f));
  CHECK(bn.moving_variance().value[1] == Approx(0.9f));
}

TEST_CASE("BatchNormalization's one-pass batch statistics keep their precision") {
  // 70,000 rows (several blocks, a ragged last one) of 3 channels: a large offset with a small
  // spread, a single outlier in the first row (the worst case for a shifted sum), and a ramp.
  const Index rows = 70000, c = 3;
  Tensor x(Shape{rows, c});
  Generator rng(3);
  for (Index r = 0; r < rows; ++r) {
    x[r * c] = 1.0e4f + rng.uniform(-1.0f, 1.0f);
    x[r * c + 1] = r == 0 ? 1.0e3f : 0.0f;
    x[r * c + 2] = float(r) * 1e-3f;
  }
  std::vector<double> mean(c, 0.0), variance(c, 0.0);
  for (Index r = 0; r < rows; ++r) {
    for (Index j = 0; j < c; ++j) mean[j] += x[r * c + j] / double(rows);
  }
  for (Index r = 0; r < rows; ++r) {
    for (Index j = 0; j < c; ++j) variance[j] += std::pow(x[r * c + j] - mean[j], 2) / rows;
  }
  BatchNormalization bn(/*momentum=*/0.0f);  // the moving statistics become the batch's
  bn(x, /*training=*/true);
  for (Index j = 0; j < c; ++j) {
    INFO("channel " << j);
    CHECK(bn.moving_mean().value[j] == Approx(mean[j]).epsilon(1e-6));
    CHECK(bn.moving_variance().value[j] == Approx(variance[j]).epsilon(1e-5));
  }
}

TEST_CASE("BatchNormalization training-mode gradients match finite differences") {
  for (const Shape& sample : {Shape{4}, Shape{3, 3, 2}}) {
    INFO("sample shape " << sample.str());
    BatchNormalization bn;
    bn.build(sample);
    bn.gamma().value = testing::random_tensor(bn.gamma().value.shape(), 1, 0.5f, 1.5f);
    bn.beta().value = testing::random_tensor(bn.beta().value.shape(), 2);
    testing::check_layer_gradients(bn, testing::random_tensor(sample.with_batch(5), 3),
                                   {1e-2f, 2e-3f, 2e-2f});
  }
}

TEST_CASE("BatchNormalization counts moving statistics as non-trainable") {
  BatchNormalization bn;
  bn.build(Shape{8, 8, 16});
  Index trainable = 0, frozen = 0;
  for (Parameter* p : bn.parameters()) (p->trainable ? trainable : frozen) += p->value.size();
  CHECK(trainable == 32);
  CHECK(frozen == 32);
  CHECK_THROWS_AS(BatchNormalization(1.5f), Error);
}
