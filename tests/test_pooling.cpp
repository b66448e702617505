#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/generator.hpp>
#include <minidl/layers/average_pooling2d.hpp>
#include <minidl/layers/global_average_pooling2d.hpp>
#include <minidl/layers/max_pooling2d.hpp>

#include "gradient_check.hpp"

using namespace minidl;

using minidl::testing::distinct_values;

TEST_CASE("MaxPooling2D: hand-computed 2x2 windows, per channel") {
  // One 4x4 image with two channels; channel 1 is channel 0 negated.
  std::vector<float> v;
  for (int i = 0; i < 16; ++i) v.insert(v.end(), {float(i), -float(i)});
  MaxPooling2D pool;
  const Tensor y = pool(Tensor(Shape{1, 4, 4, 2}, v), false);
  REQUIRE(y.shape() == Shape{1, 2, 2, 2});
  CHECK(y[0] == 5.0f);   // max of 0,1,4,5
  CHECK(y[1] == 0.0f);   // max of -0,-1,-4,-5
  CHECK(y[6] == 15.0f);  // bottom-right window
  CHECK(y[7] == -10.0f);
}

TEST_CASE("AveragePooling2D 'same' averages only the valid taps of border windows") {
  // 3x3 image of ones plus the centre 10; pool 2, stride 2, same -> 2x2 output, padding after.
  Tensor x(Shape{1, 3, 3, 1}, 1.0f);
  x[4] = 10.0f;
  AveragePooling2D pool(2, std::nullopt, "same");
  const Tensor y = pool(x, false);
  REQUIRE(y.shape() == Shape{1, 2, 2, 1});
  CHECK(y[0] == Approx((1 + 1 + 1 + 10) / 4.0));
  CHECK(y[1] == Approx(1.0));  // two valid taps, both 1
  CHECK(y[3] == Approx(1.0));  // one valid tap
}

TEST_CASE("MaxPooling2D 'same' ignores padding even when every value is negative") {
  Tensor x(Shape{1, 3, 3, 1}, -5.0f);
  MaxPooling2D pool(2, std::nullopt, "same");
  const Tensor y = pool(x, false);
  for (Index i = 0; i < y.size(); ++i) CHECK(y[i] == -5.0f);
}

TEST_CASE("pooling gradients match finite differences") {
  for (const char* padding : {"valid", "same"}) {
    for (Index stride : {1, 2}) {
      INFO(padding << " stride " << stride);
      MaxPooling2D max_pool(2, Size2(stride), padding);
      max_pool.build(Shape{5, 4, 3});
      testing::check_layer_gradients(max_pool, distinct_values(Shape{2, 5, 4, 3}, 1), {1e-3f});
      AveragePooling2D avg_pool(3, Size2(stride), padding);
      avg_pool.build(Shape{5, 4, 3});
      testing::check_layer_gradients(avg_pool, testing::random_tensor(Shape{2, 5, 4, 3}, 2));
    }
  }
  // 4x6 with 2x2 windows at stride 2: the windows tile the input (the one-pass backward).
  MaxPooling2D tiling;
  tiling.build(Shape{4, 6, 3});
  testing::check_layer_gradients(tiling, distinct_values(Shape{2, 4, 6, 3}, 4), {1e-3f});
  GlobalAveragePooling2D gap;
  gap.build(Shape{3, 4, 2});
  testing::check_layer_gradients(gap, testing::random_tensor(Shape{2, 3, 4, 2}, 3));
}

TEST_CASE("GlobalAveragePooling2D averages each channel") {
  GlobalAveragePooling2D gap;
  const Tensor y = gap(Tensor(Shape{1, 2, 1, 2}, {1, 10, 3, 20}), false);
  REQUIRE(y.shape() == Shape{1, 2});
  CHECK(y[0] == 2.0f);
  CHECK(y[1] == 15.0f);
}

TEST_CASE("pooling errors name the layer and the shapes") {
  MaxPooling2D pool(3);
  pool.set_name("max_pooling2d");
  CHECK_THROWS_WITH(pool.build(Shape{2, 8, 4}), Catch::Contains("MaxPooling2D 'max_pooling2d'") &&
                                                    Catch::Contains("(3,3)") &&
                                                    Catch::Contains("(None,2,8,4)"));
  AveragePooling2D avg;
  CHECK_THROWS_WITH(avg.build(Shape{8, 8}), Catch::Contains("AveragePooling2D") &&
                                                Catch::Contains("(N,H,W,C)") &&
                                                Catch::Contains("(None,8,8)"));
  CHECK_THROWS_WITH(MaxPooling2D(2, Size2(2), "full"), Catch::Contains("'full'"));
  CHECK_THROWS_AS(MaxPooling2D(0), Error);
}
