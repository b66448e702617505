#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/layers/preprocess/center_crop.hpp>
#include <minidl/layers/preprocess/normalization.hpp>
#include <minidl/layers/preprocess/rescaling.hpp>
#include <minidl/layers/preprocess/resizing.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"

using namespace minidl;

namespace {

Tensor batch_of_one(const Tensor& image) {
  Tensor b = image.share();
  b.reshape(image.shape().with_batch(1));
  return b;
}

}  // namespace

TEST_CASE("Rescaling maps [0,255] to [0,1] and is always active") {
  Rescaling r(1.0f / 255.0f);
  const Tensor y = r(Tensor(Shape{1, 3}, {0.0f, 127.5f, 255.0f}), /*training=*/false);
  CHECK(y[1] == Approx(0.5f));
  CHECK(y[2] == Approx(1.0f));
  Rescaling shift(2.0f, -1.0f);
  shift.build(Shape{4});
  testing::check_layer_gradients(shift, testing::random_tensor(Shape{2, 4}, 1));
}

TEST_CASE("Normalization adapts mean and variance per last-axis feature") {
  // Feature 0: 1, 3 (mean 2, variance 1); feature 1: 10, 10 (variance 0 -> divisor 1e-7).
  Normalization norm;
  norm.adapt(Tensor(Shape{2, 2}, {1, 10, 3, 10}));
  CHECK(norm.mean()[0] == 2.0f);
  CHECK(norm.variance()[0] == 1.0f);
  CHECK(norm.variance()[1] == 0.0f);
  const Tensor y = norm(Tensor(Shape{1, 2}, {4, 10}), false);
  CHECK(y[0] == 2.0f);
  CHECK(y[1] == 0.0f);
  Normalization given({1.0f, 2.0f, 3.0f}, {4.0f, 4.0f, 1.0f});
  given.build(Shape{2, 3});
  testing::check_layer_gradients(given, testing::random_tensor(Shape{2, 2, 3}, 2));
  Normalization unadapted;
  CHECK_THROWS_WITH(unadapted(Tensor(Shape{1, 2}, 0.0f), false), Catch::Contains("adapt"));
  CHECK_THROWS_WITH(given.forward(Tensor(Shape{1, 2, 4}, 0.0f), false),
                    Catch::Contains("Normalization") && Catch::Contains("(1,2,4)"));
}

TEST_CASE("Resizing and CenterCrop match Keras 3") {
  const testing::Golden golden("augment_golden.txt");
  const Tensor image = batch_of_one(golden["image"]);
  for (const char* interpolation : {"bilinear", "nearest"}) {
    for (auto [h, w] : {std::pair<Index, Index>{3, 4}, {8, 11}}) {
      const std::string name =
          "resizing/" + std::to_string(h) + "x" + std::to_string(w) + "/" + interpolation;
      INFO(name);
      Resizing resize(h, w, interpolation);
      const Tensor expected = batch_of_one(golden[name]);
      testing::check_close(resize(image, false), expected, 1e-5f);
    }
  }
  CenterCrop crop(3, 4);
  testing::check_close(crop(image, false), batch_of_one(golden["center_crop/3x4"]), 0.0f);
}

TEST_CASE("Resizing and CenterCrop gradients are the adjoints of their resampling") {
  Resizing up(5, 7), down(2, 3, "nearest");
  up.build(Shape{3, 4, 2});
  down.build(Shape{4, 5, 2});
  testing::check_layer_gradients(up, testing::random_tensor(Shape{2, 3, 4, 2}, 3));
  testing::check_layer_gradients(down, testing::random_tensor(Shape{2, 4, 5, 2}, 4));
  CenterCrop crop(2, 3);
  crop.build(Shape{4, 5, 2});
  testing::check_layer_gradients(crop, testing::random_tensor(Shape{2, 4, 5, 2}, 5));
  CHECK_THROWS_WITH(CenterCrop(6, 2).build(Shape{4, 5, 2}),
                    Catch::Contains("CenterCrop") && Catch::Contains("(None,4,5,2)"));
  CHECK_THROWS_WITH(Resizing(4, 4, "area"), Catch::Contains("'area'"));
}
