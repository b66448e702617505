#include <string>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/zero_padding2d.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"

using namespace minidl;

TEST_CASE("ZeroPadding2D reads Keras' three forms of padding") {
  const auto pads = [](const ZeroPadding2D& z) {
    const ZeroPadding2D::Pads& p = z.padding();
    return std::vector<Index>{p.height.first, p.height.second, p.width.first, p.width.second};
  };
  CHECK(pads(ZeroPadding2D()) == std::vector<Index>{1, 1, 1, 1});  // Keras' default (1, 1)
  CHECK(pads(ZeroPadding2D(2)) == std::vector<Index>{2, 2, 2, 2});
  CHECK(pads(ZeroPadding2D(1, 3)) == std::vector<Index>{1, 1, 3, 3});
  CHECK(pads(ZeroPadding2D({1, 3})) == std::vector<Index>{1, 1, 3, 3});
  CHECK(pads(ZeroPadding2D({{1, 2}, {3, 4}})) == std::vector<Index>{1, 2, 3, 4});
  ZeroPadding2D z({{1, 2}, {0, 4}});
  CHECK(z.build(Shape{5, 6, 3}) == Shape{8, 10, 3});
}

TEST_CASE("ZeroPadding2D: hand-computed asymmetric padding") {
  // A 2x2 image with 2 channels: top 1, bottom 0, left 0, right 2 -> 3x4.
  ZeroPadding2D pad({{1, 0}, {0, 2}});
  const Tensor y = pad(Tensor(Shape{1, 2, 2, 2}, {1, -1, 2, -2, 3, -3, 4, -4}), false);
  REQUIRE(y.shape() == Shape{1, 3, 4, 2});
  const float expected[] = {0, 0,  0, 0,  0, 0, 0, 0,   // row 0: padding
                            1, -1, 2, -2, 0, 0, 0, 0,   // row 1: image row 0, 2 zero columns
                            3, -3, 4, -4, 0, 0, 0, 0};  // row 2: image row 1
  for (Index i = 0; i < y.size(); ++i) CHECK(y[i] == expected[i]);
}

TEST_CASE("ZeroPadding2D matches Keras for each form of padding") {
  const testing::Golden golden("padding_relu_golden.txt");
  const Tensor x = golden["pad/x"];
  struct Case {
    const char* name;
    ZeroPadding2D layer;
  };
  Case cases[] = {{"pad_1", ZeroPadding2D(1)},
                  {"pad_2_1", ZeroPadding2D(2, 1)},
                  {"pad_1_2_3_0", ZeroPadding2D({{1, 2}, {3, 0}})}};
  for (Case& c : cases) {
    INFO(c.name);
    testing::check_close(c.layer(x, false), golden[std::string(c.name) + "/y"], 0.0f);
  }
}

TEST_CASE("ZeroPadding2D gradients match finite differences, and backward crops") {
  ZeroPadding2D pad({{2, 1}, {0, 3}});
  pad.build(Shape{3, 4, 2});
  testing::check_layer_gradients(pad, testing::random_tensor(Shape{2, 3, 4, 2}, 1));
  // dx is dy's interior, exactly.
  const Tensor dy = testing::random_tensor(Shape{2, 6, 7, 2}, 2);
  pad.forward(testing::random_tensor(Shape{2, 3, 4, 2}, 3), /*training=*/true);
  const Tensor dx = pad.backward(dy);
  for (Index b = 0; b < 2; ++b)
    for (Index iy = 0; iy < 3; ++iy)
      for (Index ix = 0; ix < 4; ++ix)
        for (Index c = 0; c < 2; ++c) {
          CHECK(dx[((b * 3 + iy) * 4 + ix) * 2 + c] == dy[((b * 6 + iy + 2) * 7 + ix) * 2 + c]);
        }
}

TEST_CASE("ZeroPadding2D keeps no tensor cache and moves into a shared layer") {
  ZeroPadding2D pad(1, 2);
  pad.build(Shape{2, 2, 1});
  const auto cache = pad.backward_cache();
  REQUIRE(cache.has_value());
  CHECK(cache->empty());
  const std::shared_ptr<Layer> shared = std::move(pad).into_shared();
  CHECK(shared->type() == "ZeroPadding2D");
  CHECK(shared->output_shape() == Shape{4, 6, 1});
}

TEST_CASE("ZeroPadding2D rejects negative padding and inputs that are not images") {
  CHECK_THROWS_WITH(ZeroPadding2D(-1), Catch::Contains("ZeroPadding2D") &&
                                           Catch::Contains(">= 0") &&
                                           Catch::Contains("((-1,-1),(-1,-1))"));
  CHECK_THROWS_WITH(ZeroPadding2D({{0, 1}, {2, -3}}),
                    Catch::Contains("ZeroPadding2D") && Catch::Contains("((0,1),(2,-3))"));
  ZeroPadding2D pad(1);
  pad.set_name("zero_padding2d");
  CHECK_THROWS_WITH(pad.build(Shape{8, 8}), Catch::Contains("ZeroPadding2D 'zero_padding2d'") &&
                                                Catch::Contains("(N,H,W,C)") &&
                                                Catch::Contains("(None,8,8)"));
  pad.build(Shape{8, 8, 3});
  CHECK_THROWS_WITH(pad(Tensor(Shape{2, 8, 7, 3}, 0.0f), false),
                    Catch::Contains("ZeroPadding2D 'zero_padding2d'") &&
                        Catch::Contains("(N,8,8,3)") && Catch::Contains("got (2,8,7,3)"));
  CHECK_THROWS_WITH(pad.backward(Tensor(Shape{2, 10, 10, 3}, 0.0f)),
                    Catch::Contains("training=true"));
  pad.forward(Tensor(Shape{2, 8, 8, 3}, 0.0f), /*training=*/true);
  CHECK_THROWS_WITH(pad.backward(Tensor(Shape{2, 8, 8, 3}, 0.0f)),
                    Catch::Contains("(N,10,10,3)") && Catch::Contains("got (2,8,8,3)"));
}
