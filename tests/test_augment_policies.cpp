// Policies and wrappers: RandomApply, RandomChoice, Pipeline, RandAugment, AugMix.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/threads.hpp>
#include <minidl/minidl.hpp>

#include "gradient_check.hpp"
#include "identical.hpp"

using namespace minidl;

namespace {

Tensor images(Index n, std::uint64_t seed, Index h = 9, Index w = 8) {
  return testing::random_tensor(Shape{n, h, w, 3}, seed, 0.0f, 255.0f);
}

std::vector<std::shared_ptr<Layer>> policies() {
  std::vector<std::shared_ptr<Layer>> all;
  all.push_back(std::make_shared<RandomApply>(RandomRotation(0.2f), 0.5f, 1));
  all.push_back(std::make_shared<RandomChoice>(
      AugmentationLayers{std::make_shared<RandomHue>(0.3f), std::make_shared<RandomShear>(0.3f)},
      2));
  all.push_back(std::make_shared<Pipeline>(
      AugmentationLayers{std::make_shared<RandomFlip>(), std::make_shared<RandomCrop>(6, 6),
                         std::make_shared<RandomSaturation>(0.8f)},
      3));
  all.push_back(std::make_shared<RandAugment>(ValueRange{}, 2, 0.6f, "bilinear", "reflect", 4));
  all.push_back(std::make_shared<AugMix>(ValueRange{}, 3, std::pair<int, int>{1, 3}, 0.5f, 1.0f,
                                         true, "bilinear", 5));
  return all;
}

}  // namespace

TEST_CASE("policies: per-sample draws (a batch = its halves), replay, threads, configuration") {
  const Tensor x = images(12, 7);
  for (const auto& layer : policies()) {
    INFO(layer->type());
    layer->start_epoch(1);
    layer->set_sample_position(30);
    const Tensor whole = (*layer)(x, /*training=*/true);
    layer->set_sample_position(30);
    const Tensor first = (*layer)(x.slice(0, 6), true);
    layer->set_sample_position(36);
    const Tensor second = (*layer)(x.slice(6, 12), true);
    const std::size_t half = sizeof(float) * std::size_t(first.size());
    CHECK(std::memcmp(whole.data(), first.data(), half) == 0);
    CHECK(std::memcmp(whole.data() + first.size(), second.data(), half) == 0);
    CHECK_FALSE(testing::identical((*layer)(x, true), whole));  // a second call draws afresh
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      layer->start_epoch(1);
      layer->set_sample_position(30);
      CHECK(testing::identical((*layer)(x, true), whole));
    }
    set_num_threads(0);
    const Json config = layer->get_config();
    CHECK(layer_from_config(layer->type(), config, "test")->get_config() == config);
  }
}

TEST_CASE("RandomApply applies its layer to each image with probability p") {
  const Index n = 3000;
  const Tensor x = images(n, 8, 2, 2);
  RandomApply apply(RandomInvert(1.0f), 0.3f, 9);
  const Tensor y = apply(x, true);
  Index applied = 0;
  for (Index i = 0; i < n; ++i) {
    const bool on = apply.last_applied()[std::size_t(i)];
    applied += on;
    for (Index k = 0; k < 12; ++k) {
      REQUIRE(y[i * 12 + k] == (on ? 255.0f - x[i * 12 + k] : x[i * 12 + k]));
    }
  }
  CHECK(std::abs(applied - 900) < 5 * 25);
  CHECK_THROWS_WITH(RandomApply(RandomCrop(1, 1), 0.5f)(x, true),
                    Catch::Contains("RandomApply") && Catch::Contains("keeps"));
}

TEST_CASE("RandomChoice picks one layer per image, uniformly") {
  const Index n = 3000;
  const Tensor x = images(n, 10, 2, 2);
  RandomChoice choice({std::make_shared<RandomInvert>(1.0f),
                       std::make_shared<RandomGrayscale>(1.0f), std::make_shared<RandomHue>(0.0f)},
                      11);
  const Tensor y = choice(x, true);
  Index count[3] = {};
  for (Index i = 0; i < n; ++i) {
    const Index k = choice.last_choices()[std::size_t(i)];
    ++count[k];
    const float* in = x.data() + i * 12;
    const float* out = y.data() + i * 12;
    if (k == 0) REQUIRE(out[0] == 255.0f - in[0]);
    if (k == 1) REQUIRE((out[0] == out[1] && out[1] == out[2]));
  }
  for (Index c : count) CHECK(std::abs(c - 1000) < 5 * 26);
}

TEST_CASE("Pipeline chains its layers, shape changes and inference included") {
  Pipeline pipeline({std::make_shared<RandomInvert>(1.0f), std::make_shared<RandomCrop>(4, 3)}, 12);
  const Tensor x = images(20, 13);
  const Tensor y = pipeline(x, true);
  REQUIRE(y.shape() == Shape{20, 4, 3, 3});
  const auto& crop = static_cast<const RandomCrop&>(*pipeline.layers()[1]);
  for (Index i = 0; i < 20; ++i) {
    const auto [top, left] = crop.last_offsets()[std::size_t(i)];
    for (Index r = 0; r < 4; ++r)
      for (Index c = 0; c < 3; ++c)
        for (Index k = 0; k < 3; ++k) {
          REQUIRE(y[((i * 4 + r) * 3 + c) * 3 + k] ==
                  255.0f - x[((i * 9 + top + r) * 8 + left + c) * 3 + k]);
        }
  }
  // Inference: RandomInvert is the identity, RandomCrop takes the centre.
  const Tensor centre = pipeline(x, false);
  CHECK(centre[0] == x[((0 * 9 + 2) * 8 + 2) * 3]);
}

TEST_CASE("RandAugment draws its ops per image, every op, both directions") {
  const Index n = 4000;
  RandAugment augment(ValueRange{}, 2, 0.8f, "bilinear", "reflect", 14);
  augment(images(n, 15, 4, 4), true);
  Index count[kPolicyOps] = {};
  Index same_as_first = 0, clockwise = 0, counter = 0;
  const auto& first = augment.last_steps()[0];
  for (const auto& steps : augment.last_steps()) {
    REQUIRE(steps.size() == 2);
    for (const PolicyStep& s : steps) {
      ++count[int(s.op)];
      if (s.op == PolicyOp::Rotate) (s.transform.a1 > 0 ? clockwise : counter) += 1;
    }
    same_as_first += steps[0].op == first[0].op && steps[1].op == first[1].op;
  }
  for (Index c : count) CHECK(std::abs(c - 8000 / kPolicyOps) < 5 * 23);
  CHECK(same_as_first < 100);  // per image, not one choice for the batch (expected ~20)
  CHECK(std::abs(clockwise - counter) < 5 * 17);
}

TEST_CASE("RandAugment moves masks and boxes with its geometric ops; AugMix refuses them") {
  AnnotatedImages batch;
  batch.images = Tensor(Shape{50, 16, 16, 3}, 10.0f);
  batch.masks = Tensor(Shape{50, 16, 16, 1}, 0.0f);
  for (Index i = 0; i < 50; ++i) {
    for (Index y = 5; y < 11; ++y)
      for (Index x = 5; x < 11; ++x) batch.masks[(i * 16 + y) * 16 + x] = 1.0f;
    batch.boxes.push_back({{{5, 5, 11, 11}}, {2}});
  }
  RandAugment augment(ValueRange{}, 3, 1.0f, "bilinear", "constant", 16);
  const AnnotatedImages out = augment(batch, true);
  Index moved = 0;
  for (Index i = 0; i < 50; ++i) {
    const auto& b = out.boxes[std::size_t(i)];
    moved += b.boxes.empty() || b.boxes[0] != std::array<float, 4>{5, 5, 11, 11};
    for (Index y = 0; y < 16; ++y)
      for (Index x = 0; x < 16; ++x) {
        if (out.masks[(i * 16 + y) * 16 + x] != 1.0f) continue;
        REQUIRE(b.boxes.size() == 1);
        REQUIRE(float(x) >= b.boxes[0][0] - 1.0f);
        REQUIRE(float(x + 1) <= b.boxes[0][2] + 1.0f);
        REQUIRE(float(y) >= b.boxes[0][1] - 1.0f);
        REQUIRE(float(y + 1) <= b.boxes[0][3] + 1.0f);
      }
  }
  CHECK(moved > 10);
  AugMix mix;
  CHECK_THROWS_WITH(mix(batch, true), Catch::Contains("AugMix") && Catch::Contains("masks"));
}

TEST_CASE("AugMix: Dirichlet chain weights and a Beta share of the image, per image") {
  const Index n = 2000;
  AugMix mix(ValueRange{}, 3, {1, 3}, 0.5f, 1.0f, true, "bilinear", 17);
  const Tensor x = images(n, 18, 4, 4);
  const Tensor y = mix(x, true);
  double original = 0.0, first_weight = 0.0;
  std::set<std::size_t> depths;
  for (const auto& d : mix.last_draws()) {
    float total = 0.0f;
    for (float w : d.weights) total += w;
    REQUIRE(total == Approx(1.0f).margin(1e-5));
    REQUIRE((d.original >= 0.0f && d.original <= 1.0f));
    original += d.original / n;
    first_weight += d.weights[0] / n;
    for (const auto& chain : d.chains) depths.insert(chain.size());
  }
  CHECK(original == Approx(0.5).margin(0.03));          // Beta(1, 1) has mean 1/2
  CHECK(first_weight == Approx(1.0 / 3).margin(0.03));  // Dirichlet(1, 1, 1): 1/3 each
  CHECK(depths == std::set<std::size_t>{1, 2, 3});
  for (Index i = 0; i < y.size(); ++i) REQUIRE((y[i] >= 0.0f && y[i] <= 255.0f));
}

namespace {

// An image put through `steps` one at a time, each into a fresh buffer.
std::vector<float> stepped(const float* in, Index h, Index w, const std::vector<PolicyStep>& steps,
                           const Resampling& resampling) {
  std::vector<float> image(in, in + h * w * 3), next(image.size());
  for (const PolicyStep& s : steps) {
    apply_policy_step(s, image.data(), next.data(), h, w, 3, ValueRange{}, resampling);
    image.swap(next);
  }
  return image;
}

}  // namespace

TEST_CASE(
    "RandAugment and AugMix give their drawn ops applied in order, with or without Identity") {
  const Index n = 300, h = 7, w = 6, size = h * w * 3;
  const Tensor x = images(n, 19, h, w);
  const Resampling resampling{Interpolation::Bilinear, FillMode::Reflect, 0.0f};
  for (const int num_ops : {0, 1, 2, 3, 4}) {
    INFO(num_ops << " ops");
    RandAugment augment(ValueRange{}, num_ops, 0.7f, "bilinear", "reflect", 20);
    const Tensor y = augment(x, true);
    for (Index i = 0; i < n; ++i) {
      const std::vector<float> expected =
          stepped(x.data() + i * size, h, w, augment.last_steps()[std::size_t(i)], resampling);
      REQUIRE(std::memcmp(y.data() + i * size, expected.data(), size * sizeof(float)) == 0);
    }
  }
  AugMix mix(ValueRange{}, 3, {1, 3}, 0.5f, 1.0f, true, "bilinear", 21);
  const Resampling constant{Interpolation::Bilinear, FillMode::Constant, 0.0f};  // AugMix's fill
  const Tensor y = mix(x, true);
  for (Index i = 0; i < n; ++i) {
    const AugMix::Draw& d = mix.last_draws()[std::size_t(i)];
    std::vector<float> blend(static_cast<std::size_t>(size), 0.0f);
    for (std::size_t k = 0; k < d.chains.size(); ++k) {
      const std::vector<float> view = stepped(x.data() + i * size, h, w, d.chains[k], constant);
      for (Index j = 0; j < size; ++j) blend[std::size_t(j)] += d.weights[k] * view[std::size_t(j)];
    }
    for (Index j = 0; j < size; ++j) {
      const float v = d.original * x[i * size + j] + (1.0f - d.original) * blend[std::size_t(j)];
      REQUIRE(y[i * size + j] == Approx(std::clamp(v, 0.0f, 255.0f)).margin(1e-3));
    }
  }
}
