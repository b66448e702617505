#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <type_traits>

#include <fmt/core.h>
#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/threads.hpp>
#include <minidl/layers/augment/random_brightness.hpp>
#include <minidl/layers/augment/random_contrast.hpp>
#include <minidl/layers/augment/random_crop.hpp>
#include <minidl/layers/augment/random_flip.hpp>
#include <minidl/layers/augment/random_rotation.hpp>
#include <minidl/layers/augment/random_translation.hpp>
#include <minidl/layers/augment/random_zoom.hpp>
#include <minidl/layers/dense.hpp>
#include <minidl/layers/flatten.hpp>
#include <minidl/models/sequential.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"
#include "isa_tiers.hpp"

using namespace minidl;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// An (N,H,W,C) batch whose pixels are distinct, so any geometric change shows.
Tensor ramp_images(Index n, Index h, Index w, Index c) {
  Tensor t(Shape{n, h, w, c});
  for (Index i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}

}  // namespace

TEST_CASE("geometric layers match Keras 3 for every fill mode and interpolation") {
  const testing::Golden golden("augment_golden.txt");
  const Tensor image = golden["image"];  // (5,7,2)
  for (const char* fill : {"reflect", "wrap", "constant", "nearest"}) {
    for (const char* interp : {"bilinear", "nearest"}) {
      const std::string tag = std::string(fill) + "/" + interp;
      INFO(tag);
      for (float degrees : {30.0f, -100.0f}) {
        const float f = degrees / 360.0f;
        RandomRotation rotation({f, f}, fill, interp, 0.25f);
        const std::string name = "rotation/" + fmt::format("{:g}", degrees) + "/" + tag;
        INFO(name);
        testing::check_close(rotation(image, /*training=*/true), golden[name], 1e-4f);
      }
      RandomTranslation translation({0.26f, 0.26f}, {-0.33f, -0.33f}, fill, interp, 0.25f);
      testing::check_close(translation(image, true), golden["translation/0.26,-0.33/" + tag],
                           1e-4f);
      RandomZoom zoom({0.3f, 0.3f}, FactorRange{-0.2f, -0.2f}, fill, interp, 0.25f);
      testing::check_close(zoom(image, true), golden["zoom/0.3,-0.2/" + tag], 1e-4f);
    }
  }
}

TEST_CASE("a 90 or 180 degree rotation of a square image is a transpose/flip of the array") {
  const Tensor x = ramp_images(1, 4, 4, 2);
  RandomRotation quarter({0.25f, 0.25f});  // +90 degrees, counter-clockwise
  const Tensor y = quarter(x, true);
  // Counter-clockwise by 90: output (row r, col c) = input (row c, col W-1-r).
  for (Index r = 0; r < 4; ++r)
    for (Index c = 0; c < 4; ++c)
      for (Index k = 0; k < 2; ++k) {
        CHECK(y[(r * 4 + c) * 2 + k] == Approx(x[(c * 4 + (3 - r)) * 2 + k]).margin(1e-4));
      }
  RandomRotation half({0.5f, 0.5f}, "reflect", "nearest");
  Tensor flipped(x.shape());
  flip_image(x.data(), flipped.data(), 4, 4, 2, /*horizontal=*/true, /*vertical=*/true);
  testing::check_close(half(x, true), flipped, 1e-4f);
}

TEST_CASE("factor 0 is the identity and flipping twice restores the image") {
  const Tensor x = ramp_images(3, 5, 6, 3);
  RandomRotation none(0.0f);
  testing::check_close(none(x, true), x, 1e-5f);
  RandomTranslation still(0.0f, 0.0f);
  testing::check_close(still(x, true), x, 1e-5f);
  const Tensor image = ramp_images(1, 5, 6, 3);
  Tensor once(image.shape()), twice(image.shape());
  flip_image(image.data(), once.data(), 5, 6, 3, true, false);
  flip_image(once.data(), twice.data(), 5, 6, 3, true, false);
  CHECK(same_bits(twice, image));
  CHECK_FALSE(same_bits(once, image));
}

TEST_CASE("flip_image moves every pixel to its mirror position, for any width and channel count") {
  // Widths below, at and past the 16-pixel blocks of the vectorised RGB rows (AVX-512), with
  // tails; on every kernel tier this CPU runs.
  testing::for_each_isa([](Isa isa) {
    INFO(isa_name(isa));
    for (const Index c : {1, 2, 3, 4}) {
      for (const Index w : {1, 15, 16, 37, 48}) {
        const Index h = 3;
        const Tensor x = ramp_images(1, h, w, c);
        for (const bool horizontal : {false, true}) {
          for (const bool vertical : {false, true}) {
            Tensor y(x.shape());
            flip_image(x.data(), y.data(), h, w, c, horizontal, vertical);
            Index wrong = 0;
            for (Index r = 0; r < h; ++r)
              for (Index col = 0; col < w; ++col)
                for (Index k = 0; k < c; ++k) {
                  const Index sr = vertical ? h - 1 - r : r, sc = horizontal ? w - 1 - col : col;
                  wrong += y[(r * w + col) * c + k] != x[(sr * w + sc) * c + k];
                }
            INFO("c " << c << ", w " << w << ", horizontal " << horizontal << ", vertical "
                      << vertical);
            CHECK(wrong == 0);
          }
        }
      }
    }
  });
}

// The training flag has no default: a standalone call must say what it wants.
static_assert(!std::is_invocable_v<RandomFlip&, const Tensor&>);
static_assert(std::is_invocable_v<RandomFlip&, const Tensor&, bool>);

TEST_CASE("training=false returns the input unchanged, bit for bit, for every layer") {
  const Tensor x = testing::random_tensor(Shape{4, 6, 5, 3}, 3);
  RandomFlip flip;
  RandomRotation rotation(0.2f);
  RandomTranslation translation(0.2f, 0.3f);
  RandomZoom zoom(0.3f);
  CHECK(same_bits(flip(x, /*training=*/false), x));
  CHECK(same_bits(rotation(x, false), x));
  CHECK(same_bits(translation(x, false), x));
  CHECK(same_bits(zoom(x, false), x));
  CHECK_FALSE(same_bits(rotation(x, /*training=*/true), x));
}

TEST_CASE("RandomFlip flips each image independently with probability 1/2") {
  const Index n = 4000;
  RandomFlip flip("horizontal_and_vertical", /*seed=*/11);
  const Tensor x = ramp_images(n, 2, 3, 1);
  const Tensor y = flip(x, true);
  Index horizontal = 0, vertical = 0, both = 0;
  for (Index i = 0; i < n; ++i) {
    const RandomFlip::Flip f = flip.last_flips()[i];
    horizontal += f.horizontal;
    vertical += f.vertical;
    both += f.horizontal && f.vertical;
    // The output is the image flipped as recorded.
    Tensor expected(Shape{2, 3, 1});
    flip_image(x.data() + i * 6, expected.data(), 2, 3, 1, f.horizontal, f.vertical);
    REQUIRE(std::memcmp(expected.data(), y.data() + i * 6, 6 * sizeof(float)) == 0);
  }
  // Binomial(4000, 1/2): sd 31.6; Binomial(4000, 1/4): sd 27.4; 5-sigma bounds.
  CHECK(std::abs(horizontal - 2000) < 160);
  CHECK(std::abs(vertical - 2000) < 160);
  CHECK(std::abs(both - 1000) < 137);  // independent draws, not one coin for both
  RandomFlip only_h("horizontal");
  only_h(x, true);
  for (const auto& f : only_h.last_flips()) REQUIRE_FALSE(f.vertical);
}

TEST_CASE("RandomRotation angles cover the range uniformly (Kolmogorov-Smirnov)") {
  const Index n = 3000;
  RandomRotation rotation(0.1f, "reflect", "bilinear", 0.0f, /*seed=*/5);
  rotation(Tensor(Shape{n, 2, 2, 1}, 0.0f), true);
  std::vector<float> angles = rotation.last_angles();
  std::sort(angles.begin(), angles.end());
  double d = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double cdf = (angles[i] + 36.0) / 72.0;
    d = std::max({d, std::abs(cdf - double(i) / n), std::abs(cdf - double(i + 1) / n)});
  }
  CHECK(angles.front() >= -36.0f);
  CHECK(angles.back() <= 36.0f);
  CHECK(d < 1.63 / std::sqrt(double(n)));  // the 1% critical value
}

TEST_CASE("epochs draw differently, the same seed replays, the thread count does not matter") {
  const Tensor x = testing::random_tensor(Shape{32, 8, 8, 3}, 9);
  RandomRotation rotation(0.2f, "reflect", "bilinear", 0.0f, /*seed=*/21);
  rotation.build(Shape{8, 8, 3});
  rotation.start_epoch(0);
  const Tensor epoch0 = rotation(x, true);
  rotation.start_epoch(1);
  const Tensor epoch1 = rotation(x, true);
  CHECK_FALSE(same_bits(epoch0, epoch1));
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    rotation.start_epoch(0);
    CHECK(same_bits(rotation(x, true), epoch0));
  }
  set_num_threads(0);
}

TEST_CASE("inside a Sequential: active in fit, the identity in predict") {
  Sequential model(/*seed=*/3);
  auto& flip = model.add(RandomFlip("horizontal"));
  model.add(Flatten());
  model.add(Dense(2));
  model.compile(SGD(0.0f), SparseCategoricalCrossentropy(true));
  const Tensor x = ramp_images(64, 4, 4, 1);
  const Tensor y(Shape{64}, 0.0f);
  FitOptions o;
  o.verbose = 0;
  o.batch_size = 64;
  o.shuffle = false;
  model.fit(x, y, o);
  Index flipped = 0;
  for (const auto& f : flip.last_flips()) flipped += f.horizontal;
  CHECK(flipped > 10);  // fit passed training=true: about half of the 64 were flipped
  CHECK(flipped < 54);
  CHECK(same_bits(model.layer(0).forward(x, /*training=*/false), x));
}

TEST_CASE("augmentation errors name the layer and the offending value") {
  CHECK_THROWS_WITH(RandomFlip("diagonal"),
                    Catch::Contains("RandomFlip") && Catch::Contains("'diagonal'"));
  CHECK_THROWS_WITH(RandomRotation(1.5f), Catch::Contains("RandomRotation") &&
                                              Catch::Contains("factor") && Catch::Contains("1.5"));
  CHECK_THROWS_WITH(RandomRotation({0.2f, 0.1f}), Catch::Contains("(0.2, 0.1)"));
  CHECK_THROWS_WITH(RandomRotation(0.1f, "mirror"), Catch::Contains("'mirror'"));
  CHECK_THROWS_WITH(RandomRotation(0.1f, "reflect", "bicubic"), Catch::Contains("'bicubic'"));
  CHECK_THROWS_WITH(RandomTranslation(0.1f, 1.2f),
                    Catch::Contains("width_factor") && Catch::Contains("1.2"));
  CHECK_THROWS_WITH(RandomZoom(-1.5f),
                    Catch::Contains("RandomZoom") && Catch::Contains("height_factor"));
  RandomFlip flip;
  CHECK_THROWS_WITH(flip(Tensor(Shape{4, 4}, 0.0f), true),
                    Catch::Contains("RandomFlip") && Catch::Contains("(N,H,W,C)"));
  RandomRotation rotation(0.1f);
  CHECK_THROWS_WITH(rotation(Tensor(Shape{12}, 0.0f), true),
                    Catch::Contains("RandomRotation") && Catch::Contains("(None)"));
}

TEST_CASE("RandomCrop draws a window per image and centre-crops at inference") {
  const Tensor x = ramp_images(200, 6, 7, 2);
  RandomCrop crop(4, 4, /*seed=*/2);
  const Tensor y = crop(x, /*training=*/true);
  REQUIRE(y.shape() == Shape{200, 4, 4, 2});
  std::set<std::pair<Index, Index>> positions;
  for (Index i = 0; i < 200; ++i) {
    // Recover the window from its first value: ramp values encode (image, row, column).
    const Index first = static_cast<Index>(y[i * 32]) - i * 84;
    const Index top = first / 14, left = first % 14 / 2;
    REQUIRE(top <= 2);
    REQUIRE(left <= 3);
    positions.insert({top, left});
    for (Index r = 0; r < 4; ++r)
      for (Index c = 0; c < 4; ++c)
        REQUIRE(y[((i * 4 + r) * 4 + c) * 2] == x[((i * 6 + top + r) * 7 + left + c) * 2]);
  }
  CHECK(positions.size() == 12);  // all 3x4 positions occur, not one per batch
  const Tensor centre = crop(x, /*training=*/false);
  CHECK(centre[0] == x[(1 * 7 + 1) * 2]);  // top-left at ((6-4)/2, (7-4)/2) = (1,1)
  CHECK_THROWS_WITH(RandomCrop(7, 4).build(Shape{6, 7, 2}), Catch::Contains("RandomCrop") &&
                                                                Catch::Contains("(7,4)") &&
                                                                Catch::Contains("(None,6,7,2)"));
}

TEST_CASE("RandomContrast: hand-computed adjustment, per-image factors from [1-f, 1+f]") {
  // One 2x1 image with one channel: values 10, 30 (mean 20); factor 2 -> 0, 40.
  float out[2];
  const float in[2] = {10.0f, 30.0f};
  adjust_contrast(in, out, 2, 1, 1, 2.0f, {0.0f, 255.0f});
  CHECK(out[0] == 0.0f);
  CHECK(out[1] == 40.0f);
  adjust_contrast(in, out, 2, 1, 1, 3.0f, {0.0f, 255.0f});
  CHECK(out[0] == 0.0f);  // -10 clipped to the value range
  RandomContrast contrast(0.3f, {0.0f, 1.0f}, /*seed=*/4);
  contrast(Tensor(Shape{2000, 2, 2, 1}, 0.5f), true);
  const auto [lo, hi] =
      std::minmax_element(contrast.last_factors().begin(), contrast.last_factors().end());
  CHECK(*lo >= 0.7f);
  CHECK(*lo < 0.72f);  // the documented range, both sides of 1
  CHECK(*hi <= 1.3f);
  CHECK(*hi > 1.28f);
  CHECK_THROWS_WITH(RandomContrast(1.5f),
                    Catch::Contains("RandomContrast") && Catch::Contains("[0, 1]"));
  CHECK_THROWS_WITH(RandomContrast(0.2f, {1.0f, 0.0f}),
                    Catch::Contains("value_range") && Catch::Contains("(1, 0)"));
}

TEST_CASE("RandomBrightness shifts by factor * range width and clips") {
  float out[2];
  const float in[2] = {0.2f, 0.9f};
  adjust_brightness(in, out, 2, 0.25f, {0.0f, 1.0f});
  CHECK(out[0] == Approx(0.45f));
  CHECK(out[1] == 1.0f);
  RandomBrightness brightness({0.5f, 0.5f}, {0.0f, 255.0f});
  const Tensor y = brightness(Tensor(Shape{1, 1, 1, 3}, 10.0f), true);
  CHECK(y[0] == Approx(10.0f + 127.5f));
  CHECK(y[2] == y[0]);  // the same delta for every channel
  CHECK_THROWS_WITH(RandomBrightness(1.5f),
                    Catch::Contains("RandomBrightness") && Catch::Contains("factor"));
  CHECK_THROWS_WITH(RandomBrightness(0.1f, {0.0f, 0.0f}), Catch::Contains("low < high"));
}
