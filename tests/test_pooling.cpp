#include <limits>

#include <catch2/catch.hpp>

#include <minidl/core/bfloat16.hpp>
#include <minidl/core/error.hpp>
#include <minidl/core/generator.hpp>
#include <minidl/layers/average_pooling2d.hpp>
#include <minidl/layers/global_average_pooling2d.hpp>
#include <minidl/layers/max_pooling2d.hpp>

#include "gradient_check.hpp"
#include "isa_tiers.hpp"

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

TEST_CASE("MaxPooling2D 2x2 on 16-channel multiples: every kernel tier takes the first maximum") {
  // 32 channels, 4x6 pixels (6 windows), 2 images: values from a small set so that windows hold
  // ties, with a NaN and -infinity among them. Expected: per window and channel, the first pixel
  // in row-major window order whose value is greater than all before it (NaN never is); the
  // backward pass routes dy there, and only there.
  const Index h = 4, w = 6, c = 32;
  Tensor x(Shape{2, h, w, c});
  for (Index i = 0; i < x.size(); ++i) x[i] = float((i * 7919) % 5) - 2.0f;
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[40] = -std::numeric_limits<float>::infinity();
  Tensor dy(Shape{2, h / 2, w / 2, c});
  for (Index i = 0; i < dy.size(); ++i) dy[i] = float(i + 1);
  Tensor want_y(dy.shape()), want_dx = Tensor::zeros(x.shape());
  for (Index n = 0; n < 2; ++n) {
    for (Index oy = 0; oy < h / 2; ++oy) {
      for (Index ox = 0; ox < w / 2; ++ox) {
        for (Index ch = 0; ch < c; ++ch) {
          const Index o = ((n * h / 2 + oy) * w / 2 + ox) * c + ch;
          float best = -std::numeric_limits<float>::infinity();
          Index at = -1;
          for (Index k = 0; k < 4; ++k) {
            const Index i = ((n * h + 2 * oy + k / 2) * w + 2 * ox + k % 2) * c + ch;
            if (x[i] > best) best = x[i], at = i;
          }
          want_y[o] = best;
          if (at >= 0) want_dx[at] = dy[o];
        }
      }
    }
  }
  testing::for_each_isa([&](Isa isa) {
    INFO(isa_name(isa));
    MaxPooling2D pool;
    const Tensor y = pool(x, true);
    const Tensor dx = pool.backward(dy);
    for (Index i = 0; i < y.size(); ++i) REQUIRE(y[i] == want_y[i]);
    for (Index i = 0; i < dx.size(); ++i) REQUIRE(dx[i] == want_dx[i]);
  });
}

TEST_CASE("MaxPooling2D 2x2 routes into bfloat16 pairs as its routing rounded, with dy's sum") {
  // route_image_pairs must hold route_image's dx, each value rounded by to_bfloat16, as pairs of
  // neighbouring pixels of a row (x even, x + 1), 24 pairs a row of which the 8 past the 16
  // channels are zero; and add dx to `sum` as Conv2D sums its bias gradient, bit for bit: each
  // image row's values from 0 in pixel order, then that row's sum.
  const Index h = 4, w = 6, c = 16, width = 24;
  Tensor x = distinct_values(Shape{2, h, w, c}, 5);  // -4 .. 3.67: some maxima are negative
  for (Index i = 0; i < x.size(); ++i) x[i] -= 3.0f;
  Tensor dy(Shape{2, h / 2, w / 2, c});
  Generator rng(6);
  for (Index i = 0; i < dy.size(); ++i) dy[i] = rng.uniform(-1.0f, 1.0f) / 3.0f;
  testing::KernelIsaGuard restore;
  if (detected_isa() != Isa::avx512) return;  // the 2x2 kernels' record is AVX-512's
  set_kernel_isa(Isa::avx512);
  MaxPooling2D pool;
  const Tensor y = pool(x, true);
  REQUIRE(pool.routes_pairs());
  for (const bool relu : {false, true}) {
    for (Index b = 0; b < 2; ++b) {
      INFO("relu " << relu << ", image " << b);
      const Index pooled = (h / 2) * (w / 2) * c;
      Tensor dx(Shape{h, w, c});
      pool.route_image(dy.data() + b * pooled, b, relu ? y.data() + b * pooled : nullptr,
                       dx.data());
      std::vector<float> want_sum(c, 0.25f), sum(c, 0.25f);
      for (Index yy = 0; yy < h; ++yy) {
        std::vector<float> row_sum(c, 0.0f);
        for (Index i = yy * w * c; i < (yy + 1) * w * c; ++i) row_sum[i % c] += dx[i];
        for (Index ch = 0; ch < c; ++ch) want_sum[ch] += row_sum[ch];
      }
      std::vector<bfloat16> pairs(h * (w / 2) * width * 2, to_bfloat16(7.0f));
      pool.route_image_pairs(dy.data() + b * pooled, b, relu, width, pairs.data(), sum.data());
      for (Index yy = 0; yy < h; ++yy) {
        for (Index xx = 0; xx < w; xx += 2) {
          const bfloat16* row = pairs.data() + (yy * (w / 2) + xx / 2) * width * 2;
          for (Index ch = 0; ch < width; ++ch) {
            const float even = ch < c ? dx[(yy * w + xx) * c + ch] : 0.0f;
            const float odd = ch < c ? dx[(yy * w + xx + 1) * c + ch] : 0.0f;
            REQUIRE(row[2 * ch].bits == to_bfloat16(even).bits);
            REQUIRE(row[2 * ch + 1].bits == to_bfloat16(odd).bits);
          }
        }
      }
      for (Index ch = 0; ch < c; ++ch) REQUIRE(sum[ch] == want_sum[ch]);
    }
  }
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
