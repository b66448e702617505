// The geometric layers RandomShear, RandomPerspective, RandomResizedCrop and
// RandomElasticTransform: fixed transforms against Keras 3 (keras_goldens.hpp), where minidl
// departs from Keras the departure itself, and their random draws.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/threads.hpp>
#include <minidl/minidl.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"
#include "identical.hpp"
#include "keras_goldens.hpp"

using namespace minidl;
using testing::keras_case;

TEST_CASE("shear about the top-left pixel and a homography from four points equal Keras 3") {
  for (const char* interpolation : {"bilinear", "nearest"}) {
    for (const char* fill : {"reflect", "constant"}) {
      const std::string name = std::string("random_shear_") + interpolation + "_" + fill;
      INFO(name);
      const auto c = keras_case(name);
      std::vector<AffineTransform> transforms;
      for (const Json& s : c.params.at("shear_factor_sx_sy")) {
        transforms.push_back(shear_transform(s[0].get<float>(), s[1].get<float>(), 0.0, 0.0));
      }
      const Resampling r{parse_interpolation(interpolation, "test"), parse_fill_mode(fill, "test"),
                         0.0f};
      testing::check_close(affine_transform(c.input, transforms, r), c.output, 2e-3f);
    }
  }
  const auto c = keras_case("random_perspective_bilinear");
  std::vector<AffineTransform> transforms;
  for (std::size_t i = 0; i < 2; ++i) {
    float from[4][2], to[4][2];
    for (std::size_t k = 0; k < 4; ++k) {
      for (std::size_t d = 0; d < 2; ++d) {
        from[k][d] = c.params.at("start_points")[i][k][d].get<float>();
        to[k][d] = c.params.at("end_points")[i][k][d].get<float>();
      }
    }
    const AffineTransform t = homography(from, to);
    const float got[8] = {t.a0, t.a1, t.a2, t.b0, t.b1, t.b2, t.c0, t.c1};
    for (std::size_t k = 0; k < 8; ++k) {
      REQUIRE(got[k] == Approx(c.params.at("homography_a0_a7")[i][k].get<float>()).epsilon(1e-5));
    }
    transforms.push_back(t);
  }
  const Resampling constant{Interpolation::Bilinear, FillMode::Constant, 0.0f};
  testing::check_close(affine_transform(c.input, transforms, constant), c.output, 2e-3f);
}

namespace {

using LayerList = std::vector<std::unique_ptr<Layer>>;

LayerList random_geometric_layers() {
  LayerList all;
  all.push_back(std::make_unique<RandomShear>(0.3f, 0.2f, "bilinear", "reflect", 0.0f, 1));
  all.push_back(std::make_unique<RandomPerspective>(1.0f, 0.6f, "bilinear", 0.0f, "constant", 2));
  all.push_back(std::make_unique<RandomResizedCrop>(6, 5, FactorRange(0.3f, 1.0f),
                                                    FactorRange(0.75f, 1.33f), "bilinear", 3));
  all.push_back(std::make_unique<RandomElasticTransform>(1.0f, 1.0f, "bilinear", "reflect", 0.0f,
                                                         ValueRange{}, 4));
  return all;
}

}  // namespace

TEST_CASE("geometric layers: seeded replay, any thread count, their configuration") {
  const Tensor x = testing::random_tensor(Shape{16, 12, 10, 3}, 5, 0.0f, 255.0f);
  for (auto& layer : random_geometric_layers()) {
    INFO(layer->type());
    layer->start_epoch(2);
    const Tensor first = (*layer)(x, /*training=*/true);
    CHECK_FALSE(testing::identical((*layer)(x, true), first));
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      layer->start_epoch(2);
      CHECK(testing::identical((*layer)(x, true), first));
    }
    set_num_threads(0);
    if (layer->type() != "RandomResizedCrop") {
      CHECK(testing::identical((*layer)(x, false), x));
    }
    const Json config = layer->get_config();
    CHECK(layer_from_config(layer->type(), config, "test")->get_config() == config);
  }
}

TEST_CASE("RandomShear keeps the centre in place and draws sx, sy per image") {
  RandomShear shear(0.4f, FactorRange(0.1f, 0.2f), "bilinear", "reflect", 0.0f, 7);
  shear(Tensor(Shape{2000, 5, 7, 1}, 0.0f), true);
  Index negative = 0;
  for (const AffineTransform& t : shear.last_transforms()) {
    // The centre (3, 2) samples itself.
    REQUIRE(t.a0 * 3 + t.a1 * 2 + t.a2 == Approx(3.0f).margin(1e-5));
    REQUIRE(t.b0 * 3 + t.b1 * 2 + t.b2 == Approx(2.0f).margin(1e-5));
    REQUIRE(std::abs(t.a1) <= 0.4f);
    REQUIRE((t.b0 >= 0.1f && t.b0 <= 0.2f));
    negative += t.a1 < 0;
  }
  CHECK(std::abs(negative - 1000) < 5 * 23);
}

TEST_CASE("RandomPerspective moves each corner inward by up to scale/2 of the size") {
  const Index n = 2000;
  RandomPerspective perspective(0.5f, 0.6f, "bilinear", 0.0f, "constant", 8);
  perspective(Tensor(Shape{n, 9, 11, 1}, 0.0f), true);
  Index warped = 0;
  const float w = 10, h = 8;
  const float corners[4][2] = {{0, 0}, {w, 0}, {0, h}, {w, h}};
  for (Index i = 0; i < n; ++i) {
    const AffineTransform& t = perspective.last_transforms()[std::size_t(i)];
    const auto& moved = perspective.last_corners()[std::size_t(i)];
    bool any = false;
    for (std::size_t k = 0; k < 4; ++k) {
      const float dx = moved[k][0] - corners[k][0], dy = moved[k][1] - corners[k][1];
      // Inward, by at most 0.3 of the width and height.
      REQUIRE(dx * (corners[k][0] == 0 ? 1 : -1) >= 0.0f);
      REQUIRE(dy * (corners[k][1] == 0 ? 1 : -1) >= 0.0f);
      REQUIRE((std::abs(dx) <= 0.3f * w + 1e-4f && std::abs(dy) <= 0.3f * h + 1e-4f));
      any = any || dx != 0 || dy != 0;
      // The output at the moved corner samples the input's corner.
      const float x = moved[k][0], y = moved[k][1], q = t.c0 * x + t.c1 * y + 1;
      REQUIRE((t.a0 * x + t.a1 * y + t.a2) / q == Approx(corners[k][0]).margin(1e-3));
      REQUIRE((t.b0 * x + t.b1 * y + t.b2) / q == Approx(corners[k][1]).margin(1e-3));
    }
    warped += any;
  }
  CHECK(std::abs(warped - 1000) < 5 * 23);
}

TEST_CASE("RandomResizedCrop: crops of the drawn area and aspect, resized as Resizing") {
  const Index n = 2000;
  const Tensor x = testing::random_tensor(Shape{n, 20, 30, 1}, 9, 0.0f, 255.0f);
  RandomResizedCrop crop(8, 8, FactorRange(0.2f, 0.6f), FactorRange(0.5f, 2.0f), "bilinear", 10);
  crop(x, true);
  double mean_area = 0.0;
  for (const auto& c : crop.last_crops()) {
    REQUIRE((c.top >= 0 && c.left >= 0 && c.top + c.height <= 20 && c.left + c.width <= 30));
    const double area = double(c.height * c.width) / 600.0;
    const double aspect = double(c.width) / double(c.height);
    // Rounding to whole pixels moves both a little from the draw.
    REQUIRE((area > 0.17 && area < 0.65));
    REQUIRE((aspect > 0.45 && aspect < 2.2));
    mean_area += area / n;
  }
  CHECK(mean_area == Approx(0.4).margin(0.02));
  // The whole image at its own aspect ratio is Resizing.
  RandomResizedCrop whole(10, 15, FactorRange(1.0f, 1.0f), FactorRange(1.5f, 1.5f), "bilinear");
  const Tensor some = x.slice(0, 4);
  testing::check_close(whole(some, true), Resizing(10, 15)(some, false), 1e-4f);
  // Inference: the centred 20x20 window of a 20x30 image for a square output.
  RandomResizedCrop square(10, 10);
  Tensor centre(Shape{4, 20, 20, 1});
  for (Index i = 0; i < 4; ++i)
    for (Index y = 0; y < 20; ++y)
      for (Index xx = 0; xx < 20; ++xx)
        centre[(i * 20 + y) * 20 + xx] = some[(i * 20 + y) * 30 + xx + 5];
  testing::check_close(square(some, false), Resizing(10, 10)(centre, false), 1e-4f);
}

TEST_CASE("RandomElasticTransform: smooth, independent dx and dy fields of the drawn strength") {
  RandomElasticTransform elastic(1.0f, FactorRange(0.5f, 1.0f), "bilinear", "reflect", 0.0f,
                                 ValueRange{}, 11);
  const Index h = 40, w = 40, pixels = h * w;
  elastic(Tensor(Shape{50, h, w, 1}, 0.0f), true);
  double dot = 0.0, dx2 = 0.0, dy2 = 0.0, neighbour = 0.0;
  for (const auto& d : elastic.last_draws()) {
    REQUIRE((d.strength >= 0.5f && d.strength <= 1.0f));
    const Tensor f = elastic.field(d);
    for (Index p = 0; p + 1 < pixels; ++p) {
      dot += f[p] * f[pixels + p];
      dx2 += f[p] * f[p];
      dy2 += f[pixels + p] * f[pixels + p];
      neighbour += f[p] * f[p + 1];
    }
  }
  CHECK(std::abs(dot) / std::sqrt(dx2 * dy2) < 0.1);  // dx and dy uncorrelated (Keras: equal)
  CHECK(neighbour / dx2 > 0.8);                       // smooth: neighbours move together
  // A strength of 0 displaces nothing.
  RandomElasticTransform none(1.0f, FactorRange(0.0f, 0.0f));
  const Tensor x = testing::random_tensor(Shape{2, 8, 8, 3}, 12, 0.0f, 255.0f);
  CHECK(testing::identical(none(x, true), x));
}
