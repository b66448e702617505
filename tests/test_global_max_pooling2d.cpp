#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/generator.hpp>
#include <minidl/core/threads.hpp>
#include <minidl/layers/global_max_pooling2d.hpp>

#include "gradient_check.hpp"

using namespace minidl;

using minidl::testing::distinct_values;

TEST_CASE("GlobalMaxPooling2D: the maximum of each channel, with and without keepdims") {
  // One 2x3 image, 2 channels: channel 0 peaks at pixel 4, channel 1 (all negative) at pixel 0.
  const Tensor x(Shape{1, 2, 3, 2}, {1, -1, 2, -2, 0, -3, 5, -4, 7, -5, 3, -6});
  GlobalMaxPooling2D gmp;
  const Tensor y = gmp(x, false);
  REQUIRE(y.shape() == Shape{1, 2});
  CHECK(y[0] == 7.0f);
  CHECK(y[1] == -1.0f);
  GlobalMaxPooling2D kept(/*keepdims=*/true);
  const Tensor y4 = kept(x, false);
  REQUIRE(y4.shape() == Shape{1, 1, 1, 2});
  CHECK(y4[0] == 7.0f);
  CHECK(y4[1] == -1.0f);
}

TEST_CASE("GlobalMaxPooling2D routes the gradient to the first maximum in row-major order") {
  // 2x2 image, 3 channels. Channel 0: ties at pixels 1 and 3; channel 1: all equal; channel 2:
  // -inf everywhere (the first pixel still gets the gradient).
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x(Shape{1, 2, 2, 3}, {0, 2, -inf, 4, 2, -inf, 1, 2, -inf, 4, 2, -inf});
  GlobalMaxPooling2D gmp;
  gmp.build(Shape{2, 2, 3});
  const Tensor y = gmp.forward(x, /*training=*/true);
  CHECK(y[0] == 4.0f);
  CHECK(y[2] == -inf);
  const Tensor dx = gmp.backward(Tensor(Shape{1, 3}, {10, 20, 30}));
  const float expected[] = {0, 20, 30, 10, 0, 0, 0, 0, 0, 0, 0, 0};
  for (Index i = 0; i < dx.size(); ++i) CHECK(dx[i] == expected[i]);
}

TEST_CASE("GlobalMaxPooling2D gradients match finite differences") {
  for (bool keepdims : {false, true}) {
    INFO("keepdims " << keepdims);
    GlobalMaxPooling2D gmp(keepdims);
    gmp.build(Shape{5, 4, 3});
    testing::check_layer_gradients(gmp, distinct_values(Shape{3, 5, 4, 3}, 1), {1e-3f});
  }
}

TEST_CASE("GlobalMaxPooling2D is the same on 1 and several threads, over a large batch") {
  // 64 images of 16x16x8 cross the OpenMP threshold.
  const Tensor x = testing::random_tensor(Shape{64, 16, 16, 8}, 2);
  const Tensor dy = testing::random_tensor(Shape{64, 8}, 3);
  std::vector<Tensor> outputs, gradients;
  for (int threads : {1, 3}) {
    set_num_threads(threads);
    GlobalMaxPooling2D gmp;
    outputs.push_back(gmp(x, /*training=*/true));
    gradients.push_back(gmp.backward(dy));
  }
  set_num_threads(0);
  Index differences = 0;
  for (Index i = 0; i < outputs[0].size(); ++i) differences += outputs[0][i] != outputs[1][i];
  for (Index i = 0; i < gradients[0].size(); ++i) differences += gradients[0][i] != gradients[1][i];
  CHECK(differences == 0);
  // Reference: a plain scan per (image, channel); the other pixels' gradients must be 0.
  Index wrong = 0;
  double gradient_sum = 0.0, dy_sum = 0.0;
  for (Index b = 0; b < 64; ++b) {
    for (Index c = 0; c < 8; ++c) {
      Index best = 0;
      for (Index p = 1; p < 256; ++p) {
        if (x[(b * 256 + p) * 8 + c] > x[(b * 256 + best) * 8 + c]) best = p;
      }
      wrong += outputs[0][b * 8 + c] != x[(b * 256 + best) * 8 + c];
      wrong += gradients[0][(b * 256 + best) * 8 + c] != dy[b * 8 + c];
      dy_sum += std::abs(dy[b * 8 + c]);
    }
  }
  for (Index i = 0; i < gradients[0].size(); ++i) gradient_sum += std::abs(gradients[0][i]);
  CHECK(wrong == 0);
  CHECK(gradient_sum == Approx(dy_sum));
}

TEST_CASE("GlobalMaxPooling2D's argmax cache is a tensor a model can swap per call") {
  GlobalMaxPooling2D gmp;
  gmp.build(Shape{1, 2, 1});
  const auto cache = gmp.backward_cache();
  REQUIRE(cache.has_value());
  REQUIRE(cache->size() == 1);
  Tensor& argmax = *(*cache)[0];
  // Call A: the maximum at pixel 1; call B: at pixel 0.
  gmp.forward(Tensor(Shape{1, 1, 2, 1}, {0, 1}), /*training=*/true);
  Tensor saved_a = std::move(argmax);
  gmp.forward(Tensor(Shape{1, 1, 2, 1}, {1, 0}), /*training=*/true);
  Tensor saved_b = std::move(argmax);
  argmax = std::move(saved_a);
  Tensor dx = gmp.backward(Tensor(Shape{1, 1}, {5}));
  CHECK(dx[0] == 0.0f);
  CHECK(dx[1] == 5.0f);
  argmax = std::move(saved_b);
  dx = gmp.backward(Tensor(Shape{1, 1}, {5}));
  CHECK(dx[0] == 5.0f);
  CHECK(dx[1] == 0.0f);
  const std::shared_ptr<Layer> shared = std::move(gmp).into_shared();
  CHECK(shared->type() == "GlobalMaxPooling2D");
}

TEST_CASE("GlobalMaxPooling2D errors name the layer and the shapes") {
  GlobalMaxPooling2D gmp;
  gmp.set_name("global_max_pooling2d");
  CHECK_THROWS_WITH(gmp.build(Shape{8, 3}),
                    Catch::Contains("GlobalMaxPooling2D 'global_max_pooling2d'") &&
                        Catch::Contains("(N,H,W,C)") && Catch::Contains("(None,8,3)"));
  gmp.build(Shape{4, 4, 3});
  CHECK_THROWS_WITH(gmp(Tensor(Shape{2, 4, 4, 2}, 0.0f), false),
                    Catch::Contains("GlobalMaxPooling2D 'global_max_pooling2d'") &&
                        Catch::Contains("(N,4,4,3)") && Catch::Contains("got (2,4,4,2)"));
  CHECK_THROWS_WITH(gmp.backward(Tensor(Shape{2, 3}, 0.0f)), Catch::Contains("training=true"));
  gmp.forward(Tensor(Shape{2, 4, 4, 3}, 0.0f), /*training=*/true);
  CHECK_THROWS_WITH(gmp.backward(Tensor(Shape{2, 1, 1, 3}, 0.0f)),
                    Catch::Contains("(N,3)") && Catch::Contains("got (2,1,1,3)"));
  CHECK_THROWS_WITH(gmp.backward(Tensor(Shape{5, 3}, 0.0f)),
                    Catch::Contains("batch of 5") && Catch::Contains("had 2"));
  GlobalMaxPooling2D empty;
  CHECK_THROWS_WITH(empty.build(Shape{0, 4, 3}),
                    Catch::Contains("GlobalMaxPooling2D") && Catch::Contains("(None,0,4,3)"));
}
