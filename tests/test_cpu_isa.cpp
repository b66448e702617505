#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

#include "isa_tiers.hpp"

using namespace minidl;

namespace {

// MINIDL_ISA set while a test runs, unset (and the tier reset) after.
struct IsaEnvironment {
  explicit IsaEnvironment(const char* value) {
    setenv("MINIDL_ISA", value, 1);
    reset_kernel_isa();
  }
  ~IsaEnvironment() {
    unsetenv("MINIDL_ISA");
    reset_kernel_isa();
  }
};

// The training loss of a few steps of a small CNN whose layers take the tiers' kernels (16 and
// 32 filters, 3x3: direct, sliding and Winograd paths on AVX-512).
float loss_after_steps() {
  Sequential model(/*seed=*/5);
  model.add(Conv2D(16, 3, 1, "same", "relu"));
  model.add(Conv2D(32, 3, 1, "same", "relu"));
  model.add(MaxPooling2D(2));
  model.add(Flatten());
  model.add(Dense(10));
  model.build(Shape{16, 16, 3});
  model.compile(SGD(0.05f), SparseCategoricalCrossentropy(/*from_logits=*/true));
  Generator gen(9);
  Tensor x(Shape{8, 16, 16, 3});
  gen.fill_uniform(x.data(), x.size(), 0.0f, 1.0f);
  Tensor y(Shape{8});
  for (Index i = 0; i < 8; ++i) y[i] = static_cast<float>(i % 10);
  float loss = 0.0f;
  for (int step = 0; step < 3; ++step) loss = model.train_on_batch(x, y).at("loss");
  return loss;
}

}  // namespace

TEST_CASE("the kernel tier defaults to what the CPU runs and can be lowered, not raised") {
  unsetenv("MINIDL_ISA");
  reset_kernel_isa();
  CHECK(kernel_isa() == detected_isa());
  testing::for_each_isa([](Isa isa) { CHECK(kernel_isa() == isa); });
  CHECK(kernel_isa() == detected_isa());
  if (detected_isa() != Isa::avx512) {
    CHECK_THROWS_WITH(set_kernel_isa(Isa::avx512),
                      Catch::Contains("at most") && Catch::Contains("avx512"));
    CHECK(kernel_isa() == detected_isa());
  }
}

TEST_CASE("the tier found is the one the CPU has, where the test knows it") {
  // Set by the tests run under an emulated CPU (tests/CMakeLists.txt).
  const char* expected = std::getenv("MINIDL_EXPECT_ISA");
  if (!expected) return;
  CHECK(isa_name(detected_isa()) == std::string(expected));
}

TEST_CASE("isa names parse back, and a wrong one names the choices") {
  for (Isa isa : {Isa::portable, Isa::avx2, Isa::avx512}) CHECK(parse_isa(isa_name(isa)) == isa);
  CHECK_THROWS_WITH(parse_isa("sse9"), Catch::Contains("'sse9'") && Catch::Contains("avx2"));
}

TEST_CASE("MINIDL_ISA lowers the tier; a wrong value is an error naming it") {
  {
    IsaEnvironment env("portable");
    CHECK(kernel_isa() == Isa::portable);
  }
  CHECK(kernel_isa() == detected_isa());
  CHECK_THROWS_WITH(IsaEnvironment("avx1024"), Catch::Contains("'avx1024'"));
  unsetenv("MINIDL_ISA");
  reset_kernel_isa();
}

TEST_CASE("training takes the same steps on every kernel tier, at 1 and 2 threads") {
  // The tiers round differently (Winograd, other sums), so the losses agree to rounding; the same
  // tier and thread count repeats itself bit for bit.
  set_num_threads(1);
  const float portable = [] {
    set_kernel_isa(Isa::portable);
    return loss_after_steps();
  }();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    testing::for_each_isa([&](Isa isa) {
      INFO(isa_name(isa) << ", " << threads << " threads");
      const float loss = loss_after_steps();
      CHECK(loss == Approx(portable).epsilon(1e-4));
      CHECK(loss_after_steps() == loss);
    });
  }
  set_num_threads(0);
  reset_kernel_isa();
}
