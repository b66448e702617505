// The mixed_bfloat16 policy in layers and models: Conv2D's and Dense's products multiply operands
// rounded to bfloat16 and add in float32, so each equals the float32 layer run on the rounded
// operands up to the order of float32 sums; everything else stays float32.
#include <cmath>
#include <cstring>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "gradient_check.hpp"
#include "identical.hpp"
#include "isa_tiers.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using testing::random_tensor;

namespace {

Tensor rounded(const Tensor& t) {
  Tensor r(t.shape());
  for (Index i = 0; i < t.size(); ++i) r[i] = to_float(to_bfloat16(t[i]));
  return r;
}

// |got - want| <= tolerance * (|want| + scale) elementwise, `scale` the typical magnitude.
void check_close(const Tensor& got, const Tensor& want, double tolerance, const char* what) {
  REQUIRE(got.shape() == want.shape());
  double scale = 0;
  for (Index i = 0; i < want.size(); ++i) scale = std::max(scale, double(std::abs(want[i])));
  for (Index i = 0; i < want.size(); ++i) {
    INFO(what << " element " << i);
    REQUIRE(std::abs(double(got[i]) - want[i]) <= tolerance * (std::abs(want[i]) + scale));
  }
}

struct Passes {
  Tensor y, dx, dk, db;
};

template <class L>
Passes run(L& layer, const Tensor& x, const Tensor& dy) {
  Passes p;
  p.y = layer.forward(x, /*training=*/true);
  p.dx = layer.backward(dy);
  p.dk = layer.parameters()[0]->grad.clone();
  p.db = layer.parameters()[1]->grad.clone();
  return p;
}

}  // namespace

TEST_CASE("Conv2D under mixed_bfloat16 equals float32 on bfloat16-rounded operands") {
  struct Case {
    Index h, w, cin, filters, kernel, stride;
    const char* padding;
  };
  // Strides 1 and 2 (whose input gradient is a GEMM + col2im), same and valid, 1-64 channels
  // (the kernel gradient's planes by column up to 5, by channel from 16), output pixel counts
  // that are not multiples of the kernels' 16 and 32.
  // 32 and 64 channels at stride 1 take Winograd on VDPBF16PS (tested below).
  const Case cases[] = {{7, 9, 1, 8, 3, 1, "same"},    {8, 8, 3, 32, 3, 1, "same"},
                        {9, 6, 16, 24, 3, 1, "valid"}, {6, 7, 32, 64, 3, 1, "same"},
                        {9, 9, 5, 17, 3, 2, "same"},   {10, 7, 4, 6, 5, 2, "valid"},
                        {9, 8, 16, 16, 3, 2, "same"}};
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    testing::for_each_bf16_kernel([&](Bf16Kernel kernel) {
      for (const Case& c : cases) {
        INFO(bf16_kernel_name(kernel)
             << ", " << threads << " threads, " << c.h << "x" << c.w << "x" << c.cin << " -> "
             << c.filters << ", stride " << c.stride << " " << c.padding);
        Conv2D reference(c.filters, c.kernel, c.stride, c.padding);
        Conv2D mixed(c.filters, c.kernel, c.stride, c.padding);
        mixed.set_dtype_policy(DtypePolicy::mixed_bfloat16);
        const Shape out = reference.build(Shape{c.h, c.w, c.cin});
        mixed.build(Shape{c.h, c.w, c.cin});
        const Tensor kernel_values = random_tensor(reference.kernel().value.shape(), 3);
        reference.kernel().value = rounded(kernel_values);
        mixed.kernel().value = kernel_values.clone();
        reference.bias().value = random_tensor(Shape{c.filters}, 4);
        mixed.bias().value = reference.bias().value.clone();
        const Tensor x = random_tensor(Shape{3, c.h, c.w, c.cin}, 5);
        const Tensor dy = random_tensor(out.with_batch(3), 6);
        const Passes want = run(reference, rounded(x), rounded(dy));
        const Passes got = run(mixed, x, dy);
        // Winograd's bfloat16 products round the transformed operands instead (next test).
        const bool winograd = kernel == Bf16Kernel::avx512_bf16 && c.kernel == 3 && c.stride == 1 &&
                              c.cin >= 32 && c.filters >= 32;
        if (!winograd) {
          check_close(got.y, want.y, 1e-5, "output");
          check_close(got.dx, want.dx, 1e-5, "input gradient");
          check_close(got.dk, want.dk, 1e-5, "kernel gradient");
        }
        // The float32 layer on the unrounded operands: the bias gradient (a sum of dy, in
        // float32 under both policies) is the same; the output differs by about bfloat16's 2^-8.
        Conv2D exact(c.filters, c.kernel, c.stride, c.padding);
        exact.build(Shape{c.h, c.w, c.cin});
        exact.kernel().value = kernel_values.clone();
        exact.bias().value = reference.bias().value.clone();
        const Passes float32 = run(exact, x, dy);
        check_close(got.db, float32.db, 1e-6, "bias gradient");
        check_close(got.y, float32.y, 0x1p-6, "output against float32");
        // A ReLU, which the products apply as they store their sums: the output only (a sum
        // near 0 may take either side of it under the two summation orders).
        Conv2D reference_relu(c.filters, c.kernel, c.stride, c.padding, "relu");
        Conv2D mixed_relu(c.filters, c.kernel, c.stride, c.padding, "relu");
        mixed_relu.set_dtype_policy(DtypePolicy::mixed_bfloat16);
        for (Conv2D* layer : {&reference_relu, &mixed_relu}) {
          layer->build(Shape{c.h, c.w, c.cin});
          layer->kernel().value =
              layer == &mixed_relu ? kernel_values.clone() : rounded(kernel_values);
          layer->bias().value = reference.bias().value.clone();
        }
        const Tensor y_relu = mixed_relu.forward(x, /*training=*/false);
        if (!winograd) {
          check_close(y_relu, reference_relu.forward(rounded(x), false), 1e-5, "ReLU output");
        }
        for (Index i = 0; i < y_relu.size(); ++i) REQUIRE(y_relu[i] == std::max(got.y[i], 0.0f));
      }
    });
  }
  set_num_threads(0);
}

TEST_CASE("a NaN passes a Conv2D's ReLU under mixed_bfloat16 as under float32") {
  // The products apply the ReLU as they store their sums, as max(0, v): a NaN stays a NaN, so a
  // diverging model shows it instead of training on zeros.
  testing::for_each_bf16_kernel([&](Bf16Kernel kernel) {
    INFO(bf16_kernel_name(kernel));
    Conv2D reference(8, 3, 1, "same", "relu");
    Conv2D mixed(8, 3, 1, "same", "relu");
    mixed.set_dtype_policy(DtypePolicy::mixed_bfloat16);
    for (Conv2D* layer : {&reference, &mixed}) {
      layer->build(Shape{6, 7, 3});
      layer->kernel().value = random_tensor(layer->kernel().value.shape(), 7);
    }
    Tensor x = random_tensor(Shape{2, 6, 7, 3}, 8);
    x[(6 * 7 + 2 * 7 + 3) * 3 + 1] = std::nanf("");  // image 1, pixel (2, 3), channel 1
    const Tensor want = reference.forward(x, /*training=*/false);
    const Tensor got = mixed.forward(x, /*training=*/false);
    Index nans = 0;
    for (Index i = 0; i < want.size(); ++i) {
      INFO("element " << i);
      REQUIRE(std::isnan(got[i]) == std::isnan(want[i]));
      nans += std::isnan(want[i]);
    }
    CHECK(nans == 3 * 3 * 8);  // the 3x3 pixels whose windows hold it, every filter
  });
}

TEST_CASE("Conv2D's Winograd under mixed_bfloat16 is within bfloat16's error of float32") {
  // 3x3 stride-1 layers of 32 and 64 channels: with VDPBF16PS, Winograd's 16 products multiply
  // the transformed tiles and kernel rounded to bfloat16, forward, input and kernel gradient
  // alike. Tile grids of 64 tiles (whole blocks), 25 (an odd block: its last tile pairs with
  // zeros in the kernel gradient) and 12 with a cut last row and column.
  struct Case {
    Index h, w, cin, filters;
    const char* padding;
  };
  const Case cases[] = {{16, 16, 32, 64, "same"},
                        {9, 9, 32, 32, "same"},
                        {6, 7, 64, 32, "same"},
                        {11, 12, 64, 64, "valid"}};
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    testing::for_each_bf16_kernel([&](Bf16Kernel kernel) {
      for (const Case& c : cases) {
        INFO(bf16_kernel_name(kernel) << ", " << threads << " threads, " << c.h << "x" << c.w << "x"
                                      << c.cin << " -> " << c.filters << " " << c.padding);
        Conv2D exact(c.filters, 3, 1, c.padding);
        Conv2D mixed(c.filters, 3, 1, c.padding);
        mixed.set_dtype_policy(DtypePolicy::mixed_bfloat16);
        const Shape out = exact.build(Shape{c.h, c.w, c.cin});
        mixed.build(Shape{c.h, c.w, c.cin});
        exact.kernel().value = random_tensor(exact.kernel().value.shape(), 3);
        mixed.kernel().value = exact.kernel().value.clone();
        exact.bias().value = random_tensor(Shape{c.filters}, 4);
        mixed.bias().value = exact.bias().value.clone();
        const Tensor x = random_tensor(Shape{3, c.h, c.w, c.cin}, 5);
        const Tensor dy = random_tensor(out.with_batch(3), 6);
        const Passes want = run(exact, x, dy);
        const Passes got = run(mixed, x, dy);
        // Each element within 2^-6 of the largest, as the direct bfloat16 products are; and
        // the error as a whole at bfloat16's scale (its unit roundoff is 2^-9): rounded, not
        // wrong and not left in float32.
        const std::pair<const Tensor*, const Tensor*> passes[] = {
            {&got.y, &want.y}, {&got.dx, &want.dx}, {&got.dk, &want.dk}};
        for (const auto& [g, w] : passes) {
          check_close(*g, *w, 0x1p-6, "against float32");
          double error = 0, norm = 0;
          for (Index i = 0; i < w->size(); ++i) {
            error += std::pow(double((*g)[i]) - (*w)[i], 2);
            norm += std::pow(double((*w)[i]), 2);
          }
          CHECK(std::sqrt(error / norm) < 0x1p-7);
          CHECK(error > 0);
        }
        check_close(got.db, want.db, 1e-6, "bias gradient");
      }
    });
  }
  set_num_threads(0);
}

TEST_CASE("Dense under mixed_bfloat16 equals float32 on bfloat16-rounded operands") {
  testing::for_each_bf16_kernel([&](Bf16Kernel kernel) {
    INFO(bf16_kernel_name(kernel));
    Dense reference(37), mixed(37);
    mixed.set_dtype_policy(DtypePolicy::mixed_bfloat16);
    reference.build(Shape{70});
    mixed.build(Shape{70});
    const Tensor kernel_values = random_tensor(Shape{70, 37}, 7);
    reference.parameters()[0]->value = rounded(kernel_values);
    mixed.parameters()[0]->value = kernel_values.clone();
    const Tensor x = random_tensor(Shape{19, 70}, 8), dy = random_tensor(Shape{19, 37}, 9);
    const Passes want = run(reference, rounded(x), rounded(dy));
    const Passes got = run(mixed, x, dy);
    check_close(got.y, want.y, 1e-5, "output");
    check_close(got.dx, want.dx, 1e-5, "input gradient");
    check_close(got.dk, want.dk, 1e-5, "kernel gradient");
  });
}

namespace {

Sequential small_cnn() {
  Sequential model(5, "small");
  model.add(Conv2D(16, 3, 1, "same", "relu"));
  model.add(MaxPooling2D(2));
  model.add(Conv2D(32, 3, 1, "same", "relu"));
  model.add(MaxPooling2D(2));
  model.add(Flatten());
  model.add(Dense(10));
  model.build(Shape{12, 12, 3});
  model.compile(Adam(3e-3f), SparseCategoricalCrossentropy(true), {"accuracy"});
  return model;
}

// Two separable classes: a bright or a dark left half.
std::pair<Tensor, Tensor> halves(Index n) {
  Tensor x = random_tensor(Shape{n, 12, 12, 3}, 31, 0.0f, 0.5f), y(Shape{n});
  for (Index i = 0; i < n; ++i) {
    y[i] = float(i % 2);
    for (Index p = 0; p < 12 * 6 * 3; ++p) {
      const Index row = p / 18, rest = p % 18;
      x[i * 432 + row * 36 + rest] += y[i];
    }
  }
  return {std::move(x), std::move(y)};
}

}  // namespace

TEST_CASE("a CNN trains under mixed_bfloat16 as under float32, with float32 weights") {
  auto [x, y] = halves(64);
  Sequential fp32 = small_cnn(), mixed = small_cnn();
  mixed.set_dtype_policy("mixed_bfloat16");
  FitOptions options;
  options.batch_size = 16;
  options.epochs = 4;
  options.verbose = 0;
  const History a = fp32.fit(x, y, options), b = mixed.fit(x, y, options);
  const float loss_fp32 = a.history.at("loss").back(), loss_mixed = b.history.at("loss").back();
  CHECK(loss_mixed < 0.5f * b.history.at("loss").front());  // it learns
  CHECK(loss_mixed == Approx(loss_fp32).epsilon(0.1));
  // Master weights stay float32: Adam's small steps leave bits below bfloat16's 7.
  int below_bfloat16 = 0;
  for (const Tensor& w : mixed.get_weights()) {
    for (Index i = 0; i < w.size(); ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, w.data() + i, sizeof bits);
      below_bfloat16 += (bits & 0xffffu) != 0;
    }
  }
  CHECK(below_bfloat16 > 1000);
}

TEST_CASE("a model file keeps each layer's dtype policy; Keras' policy objects load") {
  testing::TempDir dir;
  Sequential model = small_cnn();
  model.set_dtype_policy("mixed_bfloat16");
  model.save(dir.file("mixed.minidl"));
  std::unique_ptr<Model> loaded = load_model(dir.file("mixed.minidl"));
  for (std::size_t i = 0; i < loaded->size(); ++i) {
    CHECK(loaded->layer(i).dtype_policy() == DtypePolicy::mixed_bfloat16);
  }
  const Tensor x = random_tensor(Shape{4, 12, 12, 3}, 1);
  CHECK(testing::identical(model.predict(x), loaded->predict(x)));

  const Json keras_policy = {{"module", "keras"},
                             {"class_name", "DTypePolicy"},
                             {"config", {{"name", "mixed_bfloat16"}}},
                             {"registered_name", nullptr}};
  const std::unique_ptr<Layer> dense =
      layer_from_config("Dense", {{"units", 4}, {"dtype", keras_policy}}, "test");
  CHECK(dense->dtype_policy() == DtypePolicy::mixed_bfloat16);
  CHECK_THROWS_WITH(
      layer_from_config("Dense", {{"units", 4}, {"dtype", "mixed_float16"}}, "f.keras"),
      Catch::Contains("f.keras: Dense") && Catch::Contains("dtype") &&
          Catch::Contains("expected float32 or mixed_bfloat16"));
}

TEST_CASE("a layer takes the global dtype policy when it is made") {
  set_dtype_policy("mixed_bfloat16");
  Conv2D made_under_mixed(4, 3);
  set_dtype_policy("float32");
  Dense made_under_float32(4);
  CHECK(made_under_mixed.dtype_policy() == DtypePolicy::mixed_bfloat16);
  CHECK(made_under_float32.dtype_policy() == DtypePolicy::float32);
  Sequential model = small_cnn();
  CHECK_THROWS_WITH(model.set_dtype_policy("float16"),
                    Catch::Contains("float32 or mixed_bfloat16"));
}
