#include <algorithm>
#include <utility>

#include <catch2/catch.hpp>

#include <minidl/core/cpu_isa.hpp>
#include <minidl/core/error.hpp>
#include <minidl/core/threads.hpp>
#include <minidl/layers/conv2d.hpp>
#include <minidl/layers/detail/direct_conv.hpp>
#include <minidl/layers/detail/winograd.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"
#include "isa_tiers.hpp"

using namespace minidl;

namespace {

// A direct, loop-by-loop convolution with TensorFlow's padding: the reference for im2col + GEMM.
Tensor direct_conv(const Tensor& x, const Tensor& k, const Tensor& b, Index sh, Index sw,
                   Padding padding) {
  const Index n = x.dim(0), h = x.dim(1), w = x.dim(2), cin = x.dim(3);
  const Index kh = k.dim(0), kw = k.dim(1), cout = k.dim(3);
  const Axis ay = window_axis(h, kh, sh, padding), ax = window_axis(w, kw, sw, padding);
  Tensor y(Shape{n, ay.out, ax.out, cout}, 0.0f);
  for (Index i = 0; i < n; ++i)
    for (Index oy = 0; oy < ay.out; ++oy)
      for (Index ox = 0; ox < ax.out; ++ox)
        for (Index co = 0; co < cout; ++co) {
          double s = b.empty() ? 0.0 : b[co];
          for (Index ky = 0; ky < kh; ++ky)
            for (Index kx = 0; kx < kw; ++kx)
              for (Index ci = 0; ci < cin; ++ci) {
                const Index iy = oy * sh - ay.pad_before + ky, ix = ox * sw - ax.pad_before + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                s += x[((i * h + iy) * w + ix) * cin + ci] *
                     k[((ky * kw + kx) * cin + ci) * cout + co];
              }
          y[((i * ay.out + oy) * ax.out + ox) * cout + co] = static_cast<float>(s);
        }
  return y;
}

// dL/dkernel and dL/dbias of L = sum(conv(x) * dy), loop by loop (the kernel gradient is the
// correlation of the input with dy).
std::pair<Tensor, Tensor> direct_parameter_gradients(const Tensor& x, const Tensor& dy, Index kh,
                                                     Index kw, Padding padding) {
  const Index n = x.dim(0), h = x.dim(1), w = x.dim(2), cin = x.dim(3), cout = dy.dim(3);
  const Axis ay = window_axis(h, kh, 1, padding), ax = window_axis(w, kw, 1, padding);
  Tensor dk(Shape{kh, kw, cin, cout}, 0.0f), db(Shape{cout}, 0.0f);
  for (Index co = 0; co < cout; ++co) {
    double bias_sum = 0.0;
    for (Index i = 0; i < n * ay.out * ax.out; ++i) bias_sum += dy[i * cout + co];
    db[co] = static_cast<float>(bias_sum);
    for (Index ky = 0; ky < kh; ++ky)
      for (Index kx = 0; kx < kw; ++kx)
        for (Index ci = 0; ci < cin; ++ci) {
          double s = 0.0;
          for (Index i = 0; i < n; ++i)
            for (Index oy = 0; oy < ay.out; ++oy)
              for (Index ox = 0; ox < ax.out; ++ox) {
                const Index iy = oy - ay.pad_before + ky, ix = ox - ax.pad_before + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                s += x[((i * h + iy) * w + ix) * cin + ci] *
                     dy[((i * ay.out + oy) * ax.out + ox) * cout + co];
              }
          dk[((ky * kw + kx) * cin + ci) * cout + co] = static_cast<float>(s);
        }
  }
  return {std::move(dk), std::move(db)};
}

// dL/dkernel, dL/dbias and dL/dx of L = sum(conv(x) * dy) for any strides, loop by loop.
struct Gradients {
  Tensor dk, db, dx;
};
Gradients reference_gradients(const Tensor& x, const Tensor& k, const Tensor& dy, Index sh,
                              Index sw, Padding padding) {
  const Index n = x.dim(0), h = x.dim(1), w = x.dim(2), cin = x.dim(3);
  const Index kh = k.dim(0), kw = k.dim(1), cout = k.dim(3);
  const Axis ay = window_axis(h, kh, sh, padding), ax = window_axis(w, kw, sw, padding);
  std::vector<double> dk(k.size(), 0.0), db(cout, 0.0), dx(x.size(), 0.0);
  for (Index i = 0; i < n; ++i)
    for (Index oy = 0; oy < ay.out; ++oy)
      for (Index ox = 0; ox < ax.out; ++ox)
        for (Index co = 0; co < cout; ++co) {
          const double g = dy[((i * ay.out + oy) * ax.out + ox) * cout + co];
          db[co] += g;
          for (Index ky = 0; ky < kh; ++ky)
            for (Index kx = 0; kx < kw; ++kx)
              for (Index ci = 0; ci < cin; ++ci) {
                const Index iy = oy * sh - ay.pad_before + ky, ix = ox * sw - ax.pad_before + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const Index xi = ((i * h + iy) * w + ix) * cin + ci;
                const Index ki = ((ky * kw + kx) * cin + ci) * cout + co;
                dk[ki] += x[xi] * g;
                dx[xi] += k[ki] * g;
              }
        }
  auto tensor = [](const Shape& shape, const std::vector<double>& v) {
    Tensor t(shape);
    for (Index i = 0; i < t.size(); ++i) t[i] = static_cast<float>(v[i]);
    return t;
  };
  return {tensor(k.shape(), dk), tensor(Shape{cout}, db), tensor(x.shape(), dx)};
}

void check_golden(const char* name, Index sh, Index sw) {
  const testing::Golden golden("conv_bn_golden.txt");
  Tensor kernel = golden[std::string(name) + "/kernel"];
  Conv2D conv(kernel.dim(3), {kernel.dim(0), kernel.dim(1)}, {sh, sw}, "same");
  const Tensor x = golden[std::string(name) + "/x"];
  conv.build(x.shape().without_batch());
  conv.kernel().value = std::move(kernel);
  conv.bias().value = golden[std::string(name) + "/bias"];
  testing::check_close(conv(x, false), golden[std::string(name) + "/y"], 1e-4f);
}

}  // namespace

TEST_CASE("Conv2D 'same' with stride 2 on an even input matches PyTorch (asymmetric padding)") {
  check_golden("conv_same_s2_even", 2, 2);
}

TEST_CASE("Conv2D 'same' with strides (2,3) on an odd input matches PyTorch") {
  check_golden("conv_same_s23_odd", 2, 3);
}

TEST_CASE("Conv2D output shapes follow Keras for both paddings") {
  Conv2D valid(8, 3, 2, "valid"), same(8, 3, 2, "same");
  CHECK(valid.build(Shape{9, 10, 3}) == Shape{4, 4, 8});
  CHECK(same.build(Shape{9, 10, 3}) == Shape{5, 5, 8});
  CHECK(valid.count_params() == 3 * 3 * 3 * 8 + 8);
}

TEST_CASE("Conv2D matches a direct convolution across blocks and thread counts") {
  // 40 images of 16x16x5 span several im2col blocks.
  const Tensor x = testing::random_tensor(Shape{40, 16, 16, 5}, 1);
  for (const char* padding : {"valid", "same"}) {
    Conv2D conv(6, {3, 4}, {1, 2}, padding, "linear");
    conv.build(Shape{16, 16, 5});
    conv.bias().value = testing::random_tensor(Shape{6}, 2);
    const Tensor expected = direct_conv(x, conv.kernel().value, conv.bias().value, 1, 2,
                                        parse_padding(padding, "test"));
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      testing::check_close(conv(x, false), expected, 1e-4f);
    }
  }
  set_num_threads(0);
}

TEST_CASE("Conv2D with few input channels (direct loops) matches loop-by-loop references") {
  // With AVX-512 or AVX2 these take the direct path (filters a multiple of 16 or 8), portable code
  // im2col + GEMM: forward values and parameter gradients against the references, on every tier
  // this CPU runs. Widths 11 and 13 leave pixels after the last full step of the direct loops.
  struct Case {
    Index cin, filters;
    Size2 kernel;
    const char* padding;
    Index width;
  };
  const Case cases[] = {{3, 32, 3, "same", 13},       {1, 16, 3, "same", 11},
                        {3, 48, {2, 5}, "same", 11},  {3, 64, 3, "valid", 13},
                        {1, 32, {4, 2}, "valid", 13}, {5, 32, 3, "same", 11}};
  // The direct path takes the reference CNN's first layer wherever it exists.
  const ConvGeometry first_layer{32, 32, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1};
  testing::for_each_isa([&](Isa isa) {
    CHECK(detail::DirectConv::suits(first_layer) == (isa != Isa::portable));
    for (const Case& c : cases) {
      INFO(isa_name(isa) << ": cin " << c.cin << ", " << c.filters << " filters, kernel "
                         << c.kernel.str() << " " << c.padding << ", width " << c.width);
      const Padding padding = parse_padding(c.padding, "test");
      Conv2D conv(c.filters, c.kernel, 1, c.padding, "linear");
      conv.set_seed(7);
      conv.build(Shape{9, c.width, c.cin});
      conv.bias().value = testing::random_tensor(Shape{c.filters}, 8);
      const Tensor x = testing::random_tensor(Shape{5, 9, c.width, c.cin}, 9);
      const Tensor expected = direct_conv(x, conv.kernel().value, conv.bias().value, 1, 1, padding);
      const Tensor dy = testing::random_tensor(expected.shape(), 10);
      const auto [dk, db] = direct_parameter_gradients(x, dy, c.kernel.h, c.kernel.w, padding);
      // 5 images over 2 threads: images split between threads, partial gradients summed.
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        testing::check_close(conv(x, true), expected, 1e-4f);
        conv.kernel().grad.fill(0.0f);
        conv.bias().grad.fill(0.0f);
        conv.backward(dy);
        testing::check_close(conv.kernel().grad, dk, 1e-3f);
        testing::check_close(conv.bias().grad, db, 1e-3f);
      }
    }
  });
  set_num_threads(0);
}

TEST_CASE("Conv2D direct loops for any channel count and stride match loop-by-loop references") {
  // Every case runs on every kernel tier this CPU runs (AVX-512, AVX2, portable im2col + GEMM).
  // With AVX-512 every layer with 16, 32, 48 or 64 filters takes the direct loops, forward
  // and kernel gradient; with stride 1 and 16..64 input channels the input gradient too (a
  // convolution of dy with the flipped kernel), through Winograd F(2x2,3x3) for 3x3 kernels.
  // 20 filters take im2col + GEMM. Odd sizes leave tails after the last full step of the loops
  // and make 'same' pad asymmetrically; 10x28 leaves Winograd a partial last block of tile rows.
  // 16 filters with 3-wide kernels and outputs 16 or 32 wide take the sliding-window loops
  // (forward and kernel gradient; the input gradient where 16 input channels make it one).
  // Winograd's products for 32 or 64 channels in and out take fixed-size loops (32 -> 64 forward,
  // 64 -> 32 for its input gradient); 10x6 leaves them a block of 15 tiles, not a multiple of
  // their step. With AVX2 the direct loops take every filter count that is a multiple of 8 up to
  // 64, with up to 8 vectors of accumulators; Winograd and the sliding loops are AVX-512 only.
  struct Case {
    Index cin, filters;
    Size2 kernel, strides;
    const char* padding;
    Index height, width;
  };
  const ConvGeometry resnet_first_stage{32, 32, 16, 32, 32, 16, 3, 3, 1, 1, 1, 1};
  const Case cases[] = {{16, 16, 3, 1, "same", 9, 11},      {32, 32, 3, 1, "same", 8, 8},
                        {16, 32, 3, 2, "same", 10, 10},     {16, 32, 1, 2, "valid", 10, 10},
                        {64, 64, 3, 1, "valid", 7, 9},      {32, 48, {2, 5}, 1, "same", 7, 13},
                        {48, 16, 3, {2, 1}, "same", 9, 7},  {3, 16, 3, 2, "same", 9, 9},
                        {128, 64, 1, 1, "valid", 5, 5},     {16, 64, 3, 2, "valid", 11, 12},
                        {20, 20, 3, 1, "same", 6, 7},       {16, 32, 3, 1, "same", 10, 28},
                        {16, 16, 3, 1, "same", 9, 32},      {32, 16, 3, {2, 1}, "same", 8, 16},
                        {64, 16, 3, 1, "valid", 6, 18},     {16, 64, 3, 1, "same", 5, 16},
                        {16, 16, {5, 3}, 1, "same", 7, 16}, {3, 16, 3, 1, "same", 9, 32},
                        {1, 16, 3, 1, "valid", 5, 18},      {32, 32, 3, 1, "same", 10, 6},
                        {32, 64, 3, 1, "same", 7, 9},       {8, 24, 3, 1, "same", 5, 7},
                        {24, 40, 3, 2, "same", 6, 9}};
  testing::for_each_isa([&](Isa isa) {
    CHECK(detail::DirectConv::slides(resnet_first_stage) == (isa == Isa::avx512));
    CHECK(detail::Winograd::suits(resnet_first_stage) == (isa == Isa::avx512));
    for (const Case& c : cases) {
      INFO(isa_name(isa) << ": cin " << c.cin << ", " << c.filters << " filters, kernel "
                         << c.kernel.str() << ", strides " << c.strides.str() << " " << c.padding
                         << ", " << c.height << "x" << c.width);
      const Padding padding = parse_padding(c.padding, "test");
      Conv2D conv(c.filters, c.kernel, c.strides, c.padding, "linear");
      conv.set_seed(7);
      conv.build(Shape{c.height, c.width, c.cin});
      conv.bias().value = testing::random_tensor(Shape{c.filters}, 8);
      const Tensor x = testing::random_tensor(Shape{3, c.height, c.width, c.cin}, 9);
      const Tensor expected =
          direct_conv(x, conv.kernel().value, conv.bias().value, c.strides.h, c.strides.w, padding);
      const Tensor dy = testing::random_tensor(expected.shape(), 10);
      const Gradients ref =
          reference_gradients(x, conv.kernel().value, dy, c.strides.h, c.strides.w, padding);
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        testing::check_close(conv(x, true), expected, 1e-4f);
        conv.kernel().grad.fill(0.0f);
        conv.bias().grad.fill(0.0f);
        testing::check_close(conv.backward(dy), ref.dx, 1e-3f);
        testing::check_close(conv.kernel().grad, ref.dk, 1e-3f);
        testing::check_close(conv.bias().grad, ref.db, 1e-3f);
      }
    }
  });
  set_num_threads(0);
}

TEST_CASE("Conv2D with few input channels: gradients match finite differences") {
  Conv2D conv(16, 3, 1, "same", "linear");
  conv.set_seed(11);
  conv.build(Shape{5, 6, 3});
  conv.bias().value = Tensor(Shape{16}, 0.2f);
  testing::check_layer_gradients(conv, testing::random_tensor(Shape{2, 5, 6, 3}, 12), {1e-3f});
}

TEST_CASE("Conv2D with few input channels and a fused relu: max(0, the reference)") {
  // Finite differences are unreliable at relu's kink with this many outputs near 0, so the relu
  // is checked against the reference, and its derivative against the masked upstream gradient.
  Conv2D conv(32, 3, 1, "same", "relu");
  conv.build(Shape{7, 9, 3});
  conv.bias().value = testing::random_tensor(Shape{32}, 13);
  const Tensor x = testing::random_tensor(Shape{3, 7, 9, 3}, 14);
  Tensor expected = direct_conv(x, conv.kernel().value, conv.bias().value, 1, 1, Padding::Same);
  for (Index i = 0; i < expected.size(); ++i) expected[i] = std::max(expected[i], 0.0f);
  const Tensor y = conv(x, true);
  testing::check_close(y, expected, 1e-4f);
  const Tensor dy = testing::random_tensor(y.shape(), 15);
  Tensor masked = dy.clone();
  for (Index i = 0; i < masked.size(); ++i) masked[i] = y[i] > 0.0f ? dy[i] : 0.0f;
  conv.kernel().grad.fill(0.0f);
  conv.backward(dy);
  const auto [dk, db] = direct_parameter_gradients(x, masked, 3, 3, Padding::Same);
  testing::check_close(conv.kernel().grad, dk, 1e-3f);
}

TEST_CASE("Conv2D gradients match finite differences") {
  struct Case {
    Index h, w, k, stride;
    const char* padding;
    bool bias;
  };
  const Case cases[] = {{5, 5, 3, 1, "valid", true}, {5, 5, 3, 1, "same", false},
                        {6, 6, 3, 2, "same", true},  {6, 7, 2, 2, "valid", true},
                        {7, 6, 4, 2, "same", true},  {4, 6, 3, 2, "same", false}};
  for (const Case& c : cases) {
    INFO(c.h << "x" << c.w << " kernel " << c.k << " stride " << c.stride << " " << c.padding
             << (c.bias ? " with bias" : " without bias"));
    Conv2D conv(3, c.k, c.stride, c.padding, "linear", c.bias);
    conv.set_seed(3);
    conv.build(Shape{c.h, c.w, 2});
    if (c.bias) conv.bias().value = testing::random_tensor(Shape{3}, 4);
    testing::check_layer_gradients(conv, testing::random_tensor(Shape{2, c.h, c.w, 2}, 5));
  }
}

TEST_CASE("Conv2D with a fused relu: gradients match finite differences") {
  Conv2D conv(4, 3, 1, "same", "relu");
  conv.build(Shape{5, 5, 2});
  conv.bias().value = Tensor(Shape{4}, 0.3f);
  testing::check_layer_gradients(conv, testing::random_tensor(Shape{2, 5, 5, 2}, 6), {1e-3f});
}

TEST_CASE("Conv2D rejects a non-4D input, naming the layer and the shape") {
  Conv2D conv(4, 3);
  conv.set_name("conv2d_1");
  CHECK_THROWS_WITH(conv.build(Shape{32, 3}), Catch::Contains("Conv2D 'conv2d_1'") &&
                                                  Catch::Contains("(N,H,W,C)") &&
                                                  Catch::Contains("(None,32,3)"));
  conv.build(Shape{32, 32, 3});
  CHECK_THROWS_WITH(conv(Tensor(Shape{32, 32, 3}, 0.0f), false),
                    Catch::Contains("Conv2D 'conv2d_1'") && Catch::Contains("(N,32,32,3)") &&
                        Catch::Contains("got (32,32,3)"));
}

TEST_CASE("Conv2D rejects a kernel larger than a 'valid' input and bad arguments") {
  Conv2D conv(4, 5, 1, "valid");
  CHECK_THROWS_WITH(conv.build(Shape{4, 8, 3}), Catch::Contains("Conv2D") &&
                                                    Catch::Contains("(5,5)") &&
                                                    Catch::Contains("(None,4,8,3)"));
  CHECK_THROWS_WITH(Conv2D(4, 3, 1, "full"), Catch::Contains("'full'"));
  CHECK_THROWS_AS(Conv2D(0, 3), Error);
  CHECK_THROWS_AS(Conv2D(4, 3, 0), Error);
}
