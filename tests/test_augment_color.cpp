// The colour and pixel layers: their deterministic parts against Keras 3 (keras_goldens.hpp),
// where minidl departs from Keras the departure itself, and their random draws.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/threads.hpp>
#include <minidl/layers/augment/color.hpp>
#include <minidl/minidl.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"
#include "identical.hpp"
#include "isa_tiers.hpp"
#include "keras_goldens.hpp"

using namespace minidl;
using testing::keras_case;

namespace {

// out[i] = op(i, image i of in, image i of out) for each image of the batch.
template <class Op>
Tensor per_image(const Tensor& in, const Op& op) {
  Tensor out(in.shape());
  const Index size = in.size() / in.dim(0);
  for (Index i = 0; i < in.dim(0); ++i) op(i, in.data() + i * size, out.data() + i * size);
  return out;
}

float param(const testing::KerasCase& c, const char* key, Index i) {
  return c.params.at(key)[std::size_t(i)].get<float>();
}

}  // namespace

TEST_CASE("RGB to HSV and back: Keras 3's formulas, tie order and hue wrap included") {
  for (const char* name : {"rgb_to_hsv", "rgb_to_hsv_ties"}) {
    const auto c = keras_case(name);
    Tensor hsv(c.input.shape());
    for (Index p = 0; p < c.input.size() / 3; ++p) rgb_to_hsv(c.input.data() + 3 * p, &hsv[3 * p]);
    INFO(name);
    testing::check_close(hsv, c.output, 1e-6f);
  }
  for (const char* name : {"hsv_to_rgb", "hsv_to_rgb_hue_wrap"}) {
    const auto c = keras_case(name);
    Tensor rgb(c.input.shape());
    for (Index p = 0; p < c.input.size() / 3; ++p) hsv_to_rgb(c.input.data() + 3 * p, &rgb[3 * p]);
    INFO(name);
    testing::check_close(rgb, c.output, 1e-6f);
  }
  const auto trip = keras_case("rgb_hsv_round_trip");
  Tensor back(trip.input.shape());
  for (Index p = 0; p < trip.input.size() / 3; ++p) {
    float h[3];
    rgb_to_hsv(trip.input.data() + 3 * p, h);
    hsv_to_rgb(h, &back[3 * p]);
  }
  testing::check_close(back, trip.output, 1e-6f);
}

TEST_CASE("adjust_saturation's closed form equals the round trip through HSV") {
  // Random pixels, greys and blacks included, in (0, 255); multipliers that shrink, keep, raise
  // and clip the saturation.
  Generator rng(11);
  const Index pixels = 1000;
  std::vector<float> image(std::size_t(3 * pixels));
  for (float& v : image) v = rng.uniform() < 0.1f ? 0.0f : std::round(rng.uniform(0.0f, 255.0f));
  for (Index p = 0; p < 50; ++p)
    image[std::size_t(3 * p + 1)] = image[std::size_t(3 * p + 2)] = image[std::size_t(3 * p)];
  for (const float multiplier : {0.0f, 0.3f, 1.0f, 2.5f, 1e7f}) {
    std::vector<float> got(image.size());
    adjust_saturation(image.data(), got.data(), pixels, multiplier, {0.0f, 255.0f});
    for (Index p = 0; p < pixels; ++p) {
      float rgb[3], hsv[3];
      for (int k = 0; k < 3; ++k) rgb[k] = image[std::size_t(3 * p + k)] / 255.0f;
      rgb_to_hsv(rgb, hsv);
      hsv[1] = std::clamp(hsv[1] * multiplier, 0.0f, 1.0f);
      hsv_to_rgb(hsv, rgb);
      for (int k = 0; k < 3; ++k) {
        INFO("multiplier " << multiplier << ", pixel " << p);
        REQUIRE(got[std::size_t(3 * p + k)] == Approx(255.0f * rgb[k]).margin(1e-3));
      }
    }
  }
}

TEST_CASE("posterize keeps the high bits of every level, as a uint8 shift does") {
  // Every level and the values between them, below and above the range too.
  std::vector<float> values;
  for (int i = -40; i <= 1060; ++i) values.push_back(0.25f * float(i));
  std::vector<float> got(values.size());
  for (int bits = 1; bits <= 8; ++bits) {
    posterize(values.data(), got.data(), Index(values.size()), bits, {0.0f, 255.0f});
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto level = static_cast<std::uint8_t>(std::clamp(values[i], 0.0f, 255.0f));
      INFO("bits " << bits << ", value " << values[i]);
      REQUIRE(got[i] == float((level >> (8 - bits)) << (8 - bits)));
    }
  }
}

TEST_CASE("colour layers with fixed parameters equal Keras 3") {
  SECTION("grayscale") {
    const auto c = keras_case("random_grayscale");
    testing::check_close(
        per_image(c.input, [](Index, const float* in, float* out) { to_grayscale(in, out, 30); }),
        c.output, 1e-3f);
  }
  SECTION("hue") {
    const auto c = keras_case("random_hue");
    const Tensor got = per_image(c.input, [&](Index i, const float* in, float* out) {
      adjust_hue(in, out, 30, param(c, "factor", i), {c.low, c.high});
    });
    testing::check_close(got, c.output, 2e-3f);
  }
  SECTION("saturation, on images in [0, 1] (where Keras' formula stays in range)") {
    const auto c = keras_case("random_saturation_vr01");
    const Tensor got = per_image(c.input, [&](Index i, const float* in, float* out) {
      adjust_saturation(in, out, 30, param(c, "factor", i), {c.low, c.high});
    });
    testing::check_close(got, c.output, 1e-5f);
    // Departure: on (0, 255) minidl computes the same colours scaled by 255, in range; Keras
    // computes HSV on the unscaled values and leaves the range.
    const auto k255 = keras_case("random_saturation");
    const Tensor scaled = per_image(k255.input, [&](Index i, const float* in, float* out) {
      adjust_saturation(in, out, 30, param(k255, "factor", i), {0.0f, 255.0f});
    });
    for (Index j = 0; j < scaled.size(); ++j) {
      REQUIRE(scaled[j] == Approx(255.0f * got[j]).margin(2e-3));
    }
    CHECK(*std::min_element(k255.output.data(), k255.output.data() + k255.output.size()) < -100.0f);
  }
  SECTION("color degeneration") {
    const auto c = keras_case("random_color_degeneration");
    testing::check_close(
        per_image(c.input,
                  [&](Index i, const float* in, float* out) {
                    degenerate_color(in, out, 30, param(c, "factor", i), {c.low, c.high});
                  }),
        c.output, 1e-3f);
  }
  SECTION("sharpness: equal inside; the border is kept (Keras pads with zeros)") {
    const auto c = keras_case("random_sharpness");
    const Tensor got = per_image(c.input, [&](Index i, const float* in, float* out) {
      adjust_sharpness(in, out, 5, 6, 3, param(c, "factor", i), {c.low, c.high});
    });
    for (Index i = 0; i < 2; ++i)
      for (Index y = 0; y < 5; ++y)
        for (Index x = 0; x < 6; ++x)
          for (Index k = 0; k < 3; ++k) {
            const Index at = ((i * 5 + y) * 6 + x) * 3 + k;
            const bool border = y == 0 || y == 4 || x == 0 || x == 5;
            REQUIRE(got[at] == Approx(border ? c.input[at] : c.output[at]).margin(2e-3));
          }
  }
  SECTION("posterization") {
    const auto c = keras_case("random_posterization");
    testing::check_close(
        per_image(c.input,
                  [&](Index i, const float* in, float* out) {
                    posterize(in, out, 90, int(param(c, "bits", i)), {c.low, c.high});
                  }),
        c.output, 1e-4f);
  }
  SECTION("solarization") {
    const auto c = keras_case("solarization");
    testing::check_close(per_image(c.input,
                                   [&](Index i, const float* in, float* out) {
                                     solarize(in, out, 90, param(c, "additions", i),
                                              param(c, "thresholds", i), {c.low, c.high});
                                   }),
                         c.output, 1e-3f);
  }
  SECTION("auto contrast, a constant channel included") {
    for (const char* name : {"auto_contrast", "auto_contrast_const_channel"}) {
      const auto c = keras_case(name);
      INFO(name);
      testing::check_close(AutoContrast({c.low, c.high})(c.input, /*training=*/false), c.output,
                           2e-3f);
    }
  }
  SECTION("equalization of one image; in a batch each image alone (Keras pools the batch)") {
    const auto c = keras_case("equalization_single");
    // The histogram's binning and lookup have AVX-512 loops: every tier this CPU runs.
    testing::for_each_isa([&](Isa isa) {
      INFO(isa_name(isa));
      testing::check_close(Equalization()(c.input, false), c.output, 1e-4f);
    });
    const auto b = keras_case("equalization_batch2");
    Equalization eq;
    const Tensor batch = eq(b.input, false);
    for (Index i = 0; i < 2; ++i) {
      Tensor one = b.input.slice(i, i + 1);
      const Tensor alone = Equalization()(one, false);
      REQUIRE(std::memcmp(alone.data(), batch.data() + i * 90, 90 * sizeof(float)) == 0);
    }
    CHECK_FALSE(testing::identical(batch, b.output));
  }
  SECTION("gaussian blur: equal where the kernel stays inside the image") {
    for (const char* name :
         {"gaussian_blur_k3_s1", "gaussian_blur_k5_s06_14", "gaussian_blur_k3x5_s06_14"}) {
      const auto c = keras_case(name);
      INFO(name);
      // Keras' kernel_size and sigma are (x, y).
      const Index kx = c.params.at("kernel_size")[0], ky = c.params.at("kernel_size")[1];
      const float sx = param(c, "sigma_xy", 0), sy = param(c, "sigma_xy", 1);
      const Tensor got = per_image(c.input, [&](Index, const float* in, float* out) {
        gaussian_blur(in, out, 5, 6, 3, Size2(ky, kx), sx, sy, {c.low, c.high});
      });
      Index compared = 0;
      for (Index i = 0; i < 2; ++i)
        for (Index y = ky / 2; y < 5 - ky / 2; ++y)
          for (Index x = kx / 2; x < 6 - kx / 2; ++x)
            for (Index k = 0; k < 3; ++k, ++compared) {
              const Index at = ((i * 5 + y) * 6 + x) * 3 + k;
              REQUIRE(got[at] == Approx(c.output[at]).margin(2e-3));
            }
      CHECK(compared > 0);
    }
  }
  SECTION("a projective transform, as TensorFlow's ImageProjectiveTransformV3") {
    for (const char* name :
         {"affine_transform_projective_bilinear", "affine_transform_projective_nearest"}) {
      const auto c = keras_case(name);
      INFO(name);
      const bool bilinear = std::string(name).find("bilinear") != std::string::npos;
      std::vector<AffineTransform> transforms;
      for (const Json& t : c.params.at("transform")) {
        transforms.push_back({t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]});
      }
      Resampling r;
      r.interpolation = bilinear ? Interpolation::Bilinear : Interpolation::Nearest;
      r.fill_mode = FillMode::Constant;
      testing::check_close(affine_transform(c.input, transforms, r), c.output, 2e-3f);
    }
  }
}

TEST_CASE("RandomInvert maps value_range onto itself (Keras: high - x)") {
  const auto c = keras_case("random_invert_vr0_255");
  RandomInvert always(1.0f);
  testing::check_close(always(c.input, true), c.output, 1e-4f);
  const auto m = keras_case("random_invert_vr_m1_1");
  RandomInvert symmetric(1.0f, {-1.0f, 1.0f});
  const Tensor got = symmetric(m.input, true);
  for (Index i = 0; i < got.size(); ++i) {
    REQUIRE(got[i] == -m.input[i]);
    REQUIRE(m.output[i] == Approx(1.0f - m.input[i]).margin(1e-6));
  }
}

namespace {

using LayerList = std::vector<std::unique_ptr<Layer>>;

// Every colour and pixel layer with random draws, seeded; a probability of 1 where the layer
// draws more than whether to apply.
LayerList random_colour_layers() {
  LayerList all;
  all.push_back(std::make_unique<RandomGrayscale>(0.5f, 1));
  all.push_back(std::make_unique<RandomHue>(0.4f, ValueRange{}, 2));
  all.push_back(std::make_unique<RandomSaturation>(FactorRange(0.2f, 0.7f), ValueRange{}, 3));
  all.push_back(std::make_unique<RandomColorDegeneration>(0.5f, ValueRange{}, 4));
  all.push_back(std::make_unique<RandomSharpness>(0.6f, ValueRange{}, 5));
  all.push_back(std::make_unique<RandomPosterization>(FactorRange(3, 5), ValueRange{}, 6));
  all.push_back(std::make_unique<Solarization>(FactorRange(0.1f, 0.2f), FactorRange(0.5f, 0.6f),
                                               ValueRange{}, 7));
  all.push_back(std::make_unique<RandomInvert>(0.5f, ValueRange{}, 8));
  all.push_back(
      std::make_unique<RandomGaussianBlur>(1.0f, 3, FactorRange(0.5f, 1.5f), ValueRange{}, 9));
  all.push_back(std::make_unique<RandomErasing>(1.0f, FactorRange(0.02f, 0.33f),
                                                FactorRange(0.3f, 3.3f), std::vector<float>{},
                                                ValueRange{}, 10));
  all.push_back(std::make_unique<RandomColorJitter>(ValueRange{}, 0.2f, 0.3f, 0.6f, 0.2f, 11));
  return all;
}

Tensor test_images(Index n, std::uint64_t seed) {
  return testing::random_tensor(Shape{n, 7, 9, 3}, seed, 0.0f, 255.0f);
}

}  // namespace

TEST_CASE("colour layers: identity at inference, seeded replay, any thread count, in range") {
  const Tensor x = test_images(24, 5);
  for (auto& layer : random_colour_layers()) {
    INFO(layer->type());
    CHECK(testing::identical((*layer)(x, /*training=*/false), x));
    layer->start_epoch(3);
    const Tensor first = (*layer)(x, true);
    CHECK_FALSE(testing::identical(first, x));
    for (Index i = 0; i < first.size(); ++i) {
      REQUIRE(first[i] >= -1e-3f);
      REQUIRE(first[i] <= 255.001f);
    }
    CHECK_FALSE(testing::identical((*layer)(x, true), first));  // a second call draws afresh
    layer->start_epoch(4);
    CHECK_FALSE(testing::identical((*layer)(x, true), first));
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      layer->start_epoch(3);
      CHECK(testing::identical((*layer)(x, true), first));
    }
    set_num_threads(0);
    // The configuration makes the same layer again.
    const Json config = layer->get_config();
    const auto again = layer_from_config(layer->type(), config, "test");
    CHECK(again->get_config() == config);
  }
}

TEST_CASE("colour layers draw per image within their ranges") {
  const Index n = 3000;
  const Tensor x = test_images(n, 6);
  SECTION("RandomGrayscale and RandomInvert apply with their probability") {
    RandomGrayscale gray(0.3f, 1);
    const Tensor y = gray(x, true);
    const Index applied = std::count(gray.last_applied().begin(), gray.last_applied().end(), true);
    CHECK(std::abs(applied - 900) < 5 * 25);  // Binomial(3000, 0.3): sd 25
    for (Index i = 0; i < n; ++i) {
      const float* p = y.data() + i * 189;
      const bool same_channels = p[0] == p[1] && p[1] == p[2];
      REQUIRE(same_channels == gray.last_applied()[std::size_t(i)]);
    }
    RandomInvert invert(0.3f, ValueRange{}, 2);
    const Tensor z = invert(x, true);
    const Index inverted =
        std::count(invert.last_applied().begin(), invert.last_applied().end(), true);
    CHECK(std::abs(inverted - 900) < 5 * 25);
    for (Index i = 0; i < n; ++i) {
      const float expected =
          invert.last_applied()[std::size_t(i)] ? 255.0f - x[i * 189] : x[i * 189];
      REQUIRE(z[i * 189] == expected);
    }
  }
  SECTION("RandomHue: +-U[0, f] / 2 turns, both signs") {
    RandomHue hue(0.4f, ValueRange{}, 3);
    hue(x, true);
    double sum = 0.0;
    Index negative = 0;
    for (float d : hue.last_values()) {
      REQUIRE(std::abs(d) <= 0.2f);
      sum += std::abs(d);
      negative += d < 0;
    }
    CHECK(sum / n == Approx(0.1).margin(0.01));  // E|d| = 0.1, sd of the mean 0.001
    CHECK(std::abs(negative - 1500) < 5 * 28);
  }
  SECTION("RandomSaturation, RandomColorDegeneration, RandomSharpness: factors in range") {
    RandomSaturation saturation(FactorRange(0.2f, 0.7f), ValueRange{}, 4);
    saturation(x, true);
    for (float m : saturation.last_values()) {
      REQUIRE(m >= 0.2f / 0.8f - 1e-5f);
      REQUIRE(m <= 0.7f / 0.3f + 1e-4f);
    }
    RandomColorDegeneration degeneration(0.5f, ValueRange{}, 5);
    degeneration(x, true);
    double mean = 0.0;
    for (float f : degeneration.last_values()) {
      REQUIRE(f >= 0.0f);
      REQUIRE(f <= 0.5f);
      mean += f / n;
    }
    CHECK(mean == Approx(0.25).margin(0.015));  // a single factor means [0, f]
    RandomSharpness sharpness(0.6f, ValueRange{}, 6);
    sharpness(x, true);
    for (float f : sharpness.last_values()) REQUIRE((f >= 0.0f && f <= 0.6f));
  }
  SECTION("RandomPosterization: every bit count of the range, upper bound included") {
    RandomPosterization posterization(FactorRange(3, 5), ValueRange{}, 7);
    posterization(x, true);
    Index count[9] = {};
    for (int b : posterization.last_bits()) ++count[b];
    for (int b = 3; b <= 5; ++b) CHECK(std::abs(count[b] - 1000) < 5 * 26);
    RandomPosterization four(4.0f);
    four(x, true);
    for (int b : four.last_bits()) REQUIRE(b == 4);  // RandomPosterization(4) keeps 4 bits
  }
  SECTION("Solarization: both bounds of each factor scaled to 0..255") {
    Solarization solarization(FactorRange(0.1f, 0.2f), FactorRange(0.5f, 0.6f), ValueRange{}, 8);
    solarization(x, true);
    for (const auto& [addition, threshold] : solarization.last_draws()) {
      REQUIRE((addition >= 25.5f && addition <= 51.0f));
      REQUIRE((threshold >= 127.5f && threshold <= 153.0f));
    }
  }
  SECTION("RandomGaussianBlur: the probability, sigma per image and axis") {
    RandomGaussianBlur blur(0.4f, 3, FactorRange(0.5f, 1.5f), ValueRange{}, 9);
    blur(x, true);
    Index blurred = 0;
    std::vector<float> sx;
    for (const auto& [a, b] : blur.last_sigmas()) {
      if (a == 0.0f) continue;
      ++blurred;
      REQUIRE((a >= 0.5f && a <= 1.5f && b >= 0.5f && b <= 1.5f));
      sx.push_back(a);
    }
    CHECK(std::abs(blurred - 1200) < 5 * 27);
    CHECK(std::set<float>(sx.begin(), sx.end()).size() == sx.size());  // drawn per image
  }
  SECTION("RandomErasing: one rectangle of the drawn area and aspect, the rest untouched") {
    RandomErasing erasing(0.5f, FactorRange(0.1f, 0.3f), FactorRange(0.5f, 2.0f),
                          std::vector<float>{7.0f}, ValueRange{}, 10);
    const Tensor y = erasing(x, true);
    Index erased = 0;
    for (Index i = 0; i < n; ++i) {
      const auto& r = erasing.last_rectangles()[std::size_t(i)];
      if (r.height == 0) continue;
      ++erased;
      // Rounding to whole pixels moves the area and aspect a little from the draw.
      const double area = double(r.height * r.width) / 63.0;
      REQUIRE((area > 0.05 && area < 0.4));
      for (Index yy = 0; yy < 7; ++yy)
        for (Index xx = 0; xx < 9; ++xx) {
          const bool inside =
              yy >= r.top && yy < r.top + r.height && xx >= r.left && xx < r.left + r.width;
          const Index at = ((i * 7 + yy) * 9 + xx) * 3;
          REQUIRE(y[at] == (inside ? 7.0f : x[at]));
        }
    }
    CHECK(std::abs(erased - 1500) < 5 * 28);
  }
  SECTION("RandomColorJitter: a random order per image, every order seen") {
    RandomColorJitter jitter(ValueRange{}, 0.2f, 0.3f, 0.6f, 0.2f, 11);
    jitter(x, true);
    std::set<std::vector<RandomColorJitter::Op>> orders;
    for (const auto& d : jitter.last_draws()) {
      REQUIRE(d.order.size() == 4);
      orders.insert(d.order);
      REQUIRE(std::abs(d.value[RandomColorJitter::Brightness]) <= 0.2f * 255.0f);
      REQUIRE((d.value[RandomColorJitter::Contrast] >= 0.7f &&
               d.value[RandomColorJitter::Contrast] <= 1.3f));
    }
    CHECK(orders.size() == 24);
  }
}

TEST_CASE("RandomColorJitter applies each image's ops in its drawn order, for 1 to 4 ops") {
  const Tensor x = test_images(8, 6);
  const Index h = x.dim(1), w = x.dim(2), pixels = h * w, size = pixels * 3;
  const ValueRange range;
  std::vector<RandomColorJitter> jitters;
  jitters.emplace_back(range, std::nullopt, std::nullopt, 0.6f, std::nullopt, 1);
  jitters.emplace_back(range, 0.2f, std::nullopt, std::nullopt, 0.2f, 2);
  jitters.emplace_back(range, 0.2f, 0.3f, 0.6f, std::nullopt, 3);
  jitters.emplace_back(range, 0.2f, 0.3f, 0.6f, 0.2f, 4);
  for (RandomColorJitter& jitter : jitters) {
    const Tensor y = jitter(x, true);
    for (Index i = 0; i < x.dim(0); ++i) {
      const RandomColorJitter::Draw& d = jitter.last_draws()[std::size_t(i)];
      std::vector<float> image(x.data() + i * size, x.data() + (i + 1) * size), next(image.size());
      for (const RandomColorJitter::Op op : d.order) {
        const float v = d.value[std::size_t(op)];
        if (op == RandomColorJitter::Brightness)
          adjust_brightness(image.data(), next.data(), size, v, range);
        if (op == RandomColorJitter::Contrast)
          adjust_contrast(image.data(), next.data(), h, w, 3, v, range);
        if (op == RandomColorJitter::Saturation)
          adjust_saturation(image.data(), next.data(), pixels, v, range);
        if (op == RandomColorJitter::Hue) adjust_hue(image.data(), next.data(), pixels, v, range);
        image.swap(next);
      }
      REQUIRE(std::equal(image.begin(), image.end(), y.data() + i * size));
    }
  }
}

TEST_CASE("colour layers refuse what they cannot take, naming the layer") {
  CHECK_THROWS_WITH(RandomHue(1.5f), Catch::Contains("RandomHue") && Catch::Contains("factor"));
  CHECK_THROWS_WITH(RandomPosterization(FactorRange(2.5f, 4.0f)),
                    Catch::Contains("RandomPosterization") && Catch::Contains("integers"));
  CHECK_THROWS_WITH(RandomGaussianBlur(0.5f, 4), Catch::Contains("odd"));
  CHECK_THROWS_WITH(RandomInvert(1.5f), Catch::Contains("probability"));
  RandomHue hue(0.2f);
  CHECK_THROWS_WITH(
      hue(Tensor(Shape{2, 4, 4, 1}, 0.0f), true),
      Catch::Contains("RandomHue") && Catch::Contains("RGB") && Catch::Contains("(None,4,4,1)"));
  CHECK_THROWS_WITH(AutoContrast()(Tensor(Shape{2, 4}, 0.0f), false),
                    Catch::Contains("AutoContrast") && Catch::Contains("images"));
}

TEST_CASE("equalize equals a per-channel loop for any channel count, size, bin count and range") {
  // The reference counts and maps one channel at a time; equalize vectorises its bins and
  // lookups (16 and 48 values at a time for RGB) and splits its counts, with scalar tails.
  Generator rng(5);
  for (int trial = 0; trial < 120; ++trial) {
    const Index c = 1 + Index(rng.below(4)), pixels = 1 + Index(rng.below(300));
    const int bins = trial % 3 == 0 ? 256 : 2 + int(rng.below(255));
    const ValueRange range = trial % 2 ? ValueRange(0.0f, 255.0f) : ValueRange(-1.0f, 1.0f);
    std::vector<float> in(std::size_t(pixels * c));
    // Few distinct levels per channel (whole numbers on (0, 255)), sometimes one: a channel
    // that fills a single bin stays as it is.
    const int levels = trial % 7 == 0 ? 1 : 1 + int(rng.below(40));
    for (float& v : in) {
      const float u = float(rng.below(std::uint64_t(levels))) / 40.0f;
      v = trial % 2 ? std::round(255.0f * u) : -1.0f + 2.0f * u;
    }
    std::vector<float> expected(in.size());
    const float last = float(bins - 1), scale = last / (range.high - range.low);
    for (Index k = 0; k < c; ++k) {
      std::vector<int> bin(static_cast<std::size_t>(pixels)),
          count(static_cast<std::size_t>(bins), 0);
      for (Index p = 0; p < pixels; ++p) {
        const float x = (in[std::size_t(p * c + k)] - range.low) * scale;
        bin[std::size_t(p)] = int(std::clamp(x, 0.0f, last));
        ++count[std::size_t(bin[std::size_t(p)])];
      }
      const bool one_bin = std::count_if(count.begin(), count.end(), [](int n) { return n; }) <= 1;
      Index cdf = 0, cdf_min = -1;
      std::vector<float> table(static_cast<std::size_t>(bins));
      for (int b = 0; b < bins; ++b) {
        cdf += count[std::size_t(b)];
        if (cdf_min < 0 && cdf > 0) cdf_min = cdf;
        const double scaled =
            double(cdf - cdf_min) * 255.0 / double(std::max<Index>(pixels - cdf_min, 1));
        table[std::size_t(b)] = range.low + (range.high - range.low) *
                                                static_cast<float>(std::nearbyint(scaled)) / 255.0f;
      }
      for (Index p = 0; p < pixels; ++p) {
        const std::size_t i = std::size_t(p * c + k);
        expected[i] = one_bin ? in[i] : table[std::size_t(bin[std::size_t(p)])];
      }
    }
    std::vector<float> got(in.size());
    equalize(in.data(), got.data(), pixels, c, bins, range);
    INFO("trial " << trial << ": " << pixels << " pixels x " << c << ", " << bins << " bins");
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("value " << i);
      REQUIRE(got[i] == Approx(expected[i]).margin(1e-5));
    }
  }
}
