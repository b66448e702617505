// Masks and boxes follow the images through every augmentation layer (annotated_images.hpp).
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "gradient_check.hpp"
#include "identical.hpp"

using namespace minidl;

TEST_CASE("box formats convert to pixel corners and back") {
  const std::array<float, 4> xyxy{2, 3, 10, 7};
  const Index h = 20, w = 40;
  const std::vector<std::pair<BoxFormat, std::array<float, 4>>> forms = {
      {BoxFormat::Xyxy, {2, 3, 10, 7}},
      {BoxFormat::Yxyx, {3, 2, 7, 10}},
      {BoxFormat::Xywh, {2, 3, 8, 4}},
      {BoxFormat::CenterXywh, {6, 5, 8, 4}},
      {BoxFormat::RelXyxy, {0.05f, 0.15f, 0.25f, 0.35f}},
      {BoxFormat::RelYxyx, {0.15f, 0.05f, 0.35f, 0.25f}},
      {BoxFormat::RelXywh, {0.05f, 0.15f, 0.2f, 0.2f}},
      {BoxFormat::RelCenterXywh, {0.15f, 0.25f, 0.2f, 0.2f}},
  };
  for (const auto& [format, box] : forms) {
    INFO(box_format_name(format));
    CHECK(parse_box_format(box_format_name(format)) == format);
    const auto pixel = to_pixel_xyxy(box, format, h, w);
    const auto back = from_pixel_xyxy(xyxy, format, h, w);
    for (int k = 0; k < 4; ++k) {
      CHECK(pixel[k] == Approx(xyxy[k]).margin(1e-5));
      CHECK(back[k] == Approx(box[k]).margin(1e-5));
    }
  }
  CHECK_THROWS_WITH(parse_box_format("xyzw"),
                    Catch::Contains("xyzw") && Catch::Contains("rel_xyxy"));
}

TEST_CASE("clip_boxes clips to the image and drops empty boxes with their labels") {
  BoundingBoxes b{{{-2, 1, 5, 4}, {12, 1, 15, 3}, {3, 3, 3, 9}, {8, 8, 11, 12}}, {1, 2, 3, 4}};
  clip_boxes(b, 10, 10);
  REQUIRE(b.boxes.size() == 2);
  CHECK(b.boxes[0] == std::array<float, 4>{0, 1, 5, 4});
  CHECK(b.boxes[1] == std::array<float, 4>{8, 8, 10, 10});
  CHECK(b.labels == std::vector<std::int32_t>{1, 4});
}

namespace {

// n images of (h, w) whose mask is class 1 in the rectangle `rect` (pixel xyxy; 0 elsewhere); the
// image holds the same rectangle at 200 on 10; one box on it, label 5.
AnnotatedImages painted(Index n, std::array<Index, 4> rect = {8, 6, 16, 14}, Index h = 20,
                        Index w = 24) {
  AnnotatedImages a;
  a.images = Tensor(Shape{n, h, w, 3}, 10.0f);
  a.masks = Tensor(Shape{n, h, w, 1}, 0.0f);
  for (Index i = 0; i < n; ++i) {
    for (Index y = rect[1]; y < rect[3]; ++y)
      for (Index x = rect[0]; x < rect[2]; ++x) {
        a.masks[(i * h + y) * w + x] = 1.0f;
        for (Index k = 0; k < 3; ++k) a.images[((i * h + y) * w + x) * 3 + k] = 200.0f;
      }
    a.boxes.push_back({{{float(rect[0]), float(rect[1]), float(rect[2]), float(rect[3])}}, {5}});
  }
  return a;
}

// The pixels of class 1 lie in the image's box (up to `slack` pixels), and a removed box leaves
// no class-1 pixel; class ids are never blended.
void check_follows(const AnnotatedImages& out, float slack) {
  const Index n = out.masks.dim(0), h = out.masks.dim(1), w = out.masks.dim(2);
  for (Index i = 0; i < n; ++i) {
    const BoundingBoxes& b = out.boxes[std::size_t(i)];
    REQUIRE(b.boxes.size() == b.labels.size());
    for (Index y = 0; y < h; ++y)
      for (Index x = 0; x < w; ++x) {
        const float m = out.masks[(i * h + y) * w + x];
        REQUIRE((m == 0.0f || m == 1.0f));
        if (m != 1.0f) continue;
        REQUIRE(b.boxes.size() == 1);
        REQUIRE(b.labels[0] == 5);
        const auto& box = b.boxes[0];
        REQUIRE(float(x) >= box[0] - slack);
        REQUIRE(float(x + 1) <= box[2] + slack);
        REQUIRE(float(y) >= box[1] - slack);
        REQUIRE(float(y + 1) <= box[3] + slack);
      }
  }
}

}  // namespace

TEST_CASE("geometric layers move masks and boxes with their images") {
  const AnnotatedImages batch = painted(64);
  std::vector<std::unique_ptr<AugmentationLayer>> layers;
  layers.push_back(std::make_unique<RandomFlip>("horizontal_and_vertical", 1));
  layers.push_back(
      std::make_unique<RandomTranslation>(0.3f, 0.3f, "constant", "bilinear", 0.0f, 2));
  layers.push_back(std::make_unique<RandomRotation>(0.1f, "constant", "bilinear", 0.0f, 3));
  layers.push_back(
      std::make_unique<RandomZoom>(0.3f, std::nullopt, "constant", "bilinear", 0.0f, 4));
  layers.push_back(std::make_unique<RandomShear>(0.2f, 0.2f, "bilinear", "constant", 0.0f, 5));
  layers.push_back(
      std::make_unique<RandomPerspective>(1.0f, 0.5f, "bilinear", 0.0f, "constant", 6));
  layers.push_back(std::make_unique<RandomCrop>(12, 14, 7));
  layers.push_back(std::make_unique<RandomResizedCrop>(16, 16, FactorRange(0.3f, 1.0f),
                                                       FactorRange(0.75f, 1.33f), "bilinear", 8));
  layers.push_back(std::make_unique<RandomElasticTransform>(1.0f, 0.5f, "bilinear", "constant",
                                                            0.0f, ValueRange{}, 9));
  for (auto& layer : layers) {
    INFO(layer->type());
    const AnnotatedImages out = (*layer)(batch, /*training=*/true);
    const Index h = out.images.dim(1), w = out.images.dim(2);
    REQUIRE(out.masks.shape() == Shape{64, h, w, 1});
    check_follows(out, layer->type() == "RandomElasticTransform" ? 1.5f : 1.0f);
    // Inside the painted region (a mask pixel whose neighbours share its class) the image shows
    // the paint: the mask moved as the image did. The mask takes the nearest input pixel, the
    // image blends the four around the same point, so at least a quarter of it is paint.
    Index inside = 0;
    for (Index i = 0; i < 64; ++i)
      for (Index y = 1; y + 1 < h; ++y)
        for (Index x = 1; x + 1 < w; ++x) {
          auto m = [&](Index yy, Index xx) { return out.masks[(i * h + yy) * w + xx]; };
          if (m(y, x) != 1 || m(y - 1, x) != 1 || m(y + 1, x) != 1 || m(y, x - 1) != 1 ||
              m(y, x + 1) != 1)
            continue;
          ++inside;
          REQUIRE(out.images[((i * h + y) * w + x) * 3] >= 10.0f + 190.0f / 4);
        }
    CHECK(inside > 64 * 10);
    // The same seed, epoch and position draw the same transform for images, masks and boxes.
    layer->start_epoch(0);
    const AnnotatedImages again = (*layer)(batch, true);
    layer->start_epoch(0);
    CHECK(testing::identical((*layer)(batch.images, true), again.images));
  }
}

TEST_CASE("RandomFlip and RandomCrop move boxes exactly, in every box format") {
  for (BoxFormat format : {BoxFormat::Xyxy, BoxFormat::RelCenterXywh, BoxFormat::Yxyx}) {
    INFO(box_format_name(format));
    AnnotatedImages batch = painted(40, {3, 2, 9, 7});
    batch.box_format = format;
    for (auto& b : batch.boxes) b.boxes[0] = from_pixel_xyxy(b.boxes[0], format, 20, 24);
    RandomFlip flip("horizontal_and_vertical", 3);
    const AnnotatedImages flipped = flip(batch, true);
    for (Index i = 0; i < 40; ++i) {
      const auto f = flip.last_flips()[std::size_t(i)];
      const auto box = to_pixel_xyxy(flipped.boxes[std::size_t(i)].boxes[0], format, 20, 24);
      const std::array<float, 4> expected{f.horizontal ? 15.0f : 3.0f, f.vertical ? 13.0f : 2.0f,
                                          f.horizontal ? 21.0f : 9.0f, f.vertical ? 18.0f : 7.0f};
      for (int k = 0; k < 4; ++k) REQUIRE(box[k] == Approx(expected[k]).margin(1e-4));
    }
    RandomCrop crop(10, 10, 4);
    const AnnotatedImages cropped = crop(batch, true);
    Index dropped = 0;
    for (Index i = 0; i < 40; ++i) {
      const auto [top, left] = crop.last_offsets()[std::size_t(i)];
      std::array<float, 4> expected{
          std::clamp(3.0f - left, 0.0f, 10.0f), std::clamp(2.0f - top, 0.0f, 10.0f),
          std::clamp(9.0f - left, 0.0f, 10.0f), std::clamp(7.0f - top, 0.0f, 10.0f)};
      const auto& boxes = cropped.boxes[std::size_t(i)];
      if (!(expected[2] > expected[0] && expected[3] > expected[1])) {
        REQUIRE(boxes.boxes.empty());  // nothing of it left: dropped with its label
        REQUIRE(boxes.labels.empty());
        ++dropped;
        continue;
      }
      REQUIRE(boxes.boxes.size() == 1);
      const auto box = to_pixel_xyxy(boxes.boxes[0], format, 10, 10);
      for (int k = 0; k < 4; ++k) REQUIRE(box[k] == Approx(expected[k]).margin(1e-4));
    }
    CHECK(dropped > 0);
  }
}

TEST_CASE("colour layers leave masks and boxes; inference moves them only when it crops") {
  const AnnotatedImages batch = painted(8);
  RandomHue hue(0.3f);
  const AnnotatedImages out = hue(batch, true);
  CHECK(testing::identical(out.masks, batch.masks));
  CHECK(out.boxes[0].boxes == batch.boxes[0].boxes);
  RandomRotation rotation(0.2f);
  const AnnotatedImages same = rotation(batch, false);
  CHECK(testing::identical(same.masks, batch.masks));
  RandomCrop crop(10, 12);
  const AnnotatedImages centre = crop(batch, false);
  REQUIRE(centre.masks.shape() == Shape{8, 10, 12, 1});
  // The centred window starts at (5, 6): the painted square moves by that.
  CHECK(centre.boxes[0].boxes[0] == std::array<float, 4>{2, 1, 10, 9});
  CHECK(centre.masks[1 * 12 + 2] == 1.0f);
  CHECK(centre.masks[0] == 0.0f);
}

TEST_CASE("masks and boxes that do not fit the images are refused, naming the layer") {
  RandomFlip flip;
  AnnotatedImages bad = painted(4);
  bad.masks = Tensor(Shape{4, 20, 23, 1}, 0.0f);
  CHECK_THROWS_WITH(flip(bad, true), Catch::Contains("RandomFlip") && Catch::Contains("masks"));
  bad = painted(4);
  bad.boxes.pop_back();
  CHECK_THROWS_WITH(flip(bad, true), Catch::Contains("one list of boxes per image"));
  bad = painted(4);
  bad.boxes[1].labels.push_back(3);
  CHECK_THROWS_WITH(flip(bad, true), Catch::Contains("image 1 has 1 boxes but 2 labels"));
}
