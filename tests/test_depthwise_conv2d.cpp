#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/threads.hpp>
#include <minidl/layers/depthwise_conv2d.hpp>

#include "golden.hpp"
#include "gradient_check.hpp"

using namespace minidl;

namespace {

struct Reference {
  Tensor y, dx, dkernel, dbias;
};

// Loop-by-loop depthwise convolution with TensorFlow's padding, and the gradients of
// L = sum(y * dy) (no activation): the reference for the layer's vectorised loops.
Reference direct_depthwise(const Tensor& x, const Tensor& k, const Tensor& b, const Tensor& dy,
                           Size2 strides, Padding padding) {
  const Index n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  const Index kh = k.dim(0), kw = k.dim(1), m = k.dim(3);
  const Axis ay = window_axis(h, kh, strides.h, padding);
  const Axis ax = window_axis(w, kw, strides.w, padding);
  Reference r{Tensor(Shape{n, ay.out, ax.out, c * m}, 0.0f), Tensor::zeros(x.shape()),
              Tensor::zeros(k.shape()), Tensor::zeros(Shape{c * m})};
  for (Index i = 0; i < n; ++i)
    for (Index oy = 0; oy < ay.out; ++oy)
      for (Index ox = 0; ox < ax.out; ++ox)
        for (Index ci = 0; ci < c; ++ci)
          for (Index mi = 0; mi < m; ++mi) {
            const Index o = ci * m + mi, out = ((i * ay.out + oy) * ax.out + ox) * c * m + o;
            double s = b.empty() ? 0.0 : b[o];
            const float g = dy.empty() ? 0.0f : dy[out];
            r.dbias[o] += g;
            for (Index ky = 0; ky < kh; ++ky)
              for (Index kx = 0; kx < kw; ++kx) {
                const Index iy = oy * strides.h - ay.pad_before + ky;
                const Index ix = ox * strides.w - ax.pad_before + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const Index xi = ((i * h + iy) * w + ix) * c + ci;
                const Index ki = ((ky * kw + kx) * c + ci) * m + mi;
                s += x[xi] * k[ki];
                r.dx[xi] += k[ki] * g;
                r.dkernel[ki] += x[xi] * g;
              }
            r.y[out] = static_cast<float>(s);
          }
  return r;
}

void check_golden(const std::string& name, Size2 kernel_size, Size2 strides, const char* padding,
                  Index multiplier, const char* activation = "linear") {
  INFO(name);
  const testing::Golden golden("depthwise_golden.txt");
  const Tensor x = golden[name + "/x"];
  DepthwiseConv2D conv(kernel_size, strides, padding, multiplier, activation);
  conv.build(x.shape().without_batch());
  conv.kernel().value = golden[name + "/kernel"];
  conv.bias().value = golden[name + "/bias"];
  REQUIRE(conv.kernel().value.shape() == conv.kernel().grad.shape());
  testing::check_close(conv(x, /*training=*/true), golden[name + "/y"], 1e-5f);
  const Tensor dx = conv.backward(golden[name + "/dy"]);
  testing::check_close(dx, golden[name + "/dx"], 1e-5f);
  testing::check_close(conv.kernel().grad, golden[name + "/dkernel"], 1e-4f);
  testing::check_close(conv.bias().grad, golden[name + "/dbias"], 1e-4f);
}

}  // namespace

TEST_CASE("DepthwiseConv2D 'same', stride 1, on a 7x6 input matches Keras") {
  check_golden("same_s1", 3, 1, "same", 1);
}

TEST_CASE("DepthwiseConv2D 'same', stride 2, multiplier 2 matches Keras (asymmetric padding)") {
  check_golden("same_s2_m2", 3, 2, "same", 2);
}

TEST_CASE("DepthwiseConv2D 'same' with a 4x3 kernel at strides (1,2) matches Keras") {
  check_golden("same_k43_s12_m2", {4, 3}, {1, 2}, "same", 2);
}

TEST_CASE("DepthwiseConv2D 'valid', stride 2, multiplier 2 matches Keras") {
  check_golden("valid_s2_m2", 3, 2, "valid", 2);
}

TEST_CASE("DepthwiseConv2D 'valid' with a 2x3 kernel and multiplier 3 matches Keras") {
  check_golden("valid_k23_s1_m3", {2, 3}, 1, "valid", 3);
}

TEST_CASE("DepthwiseConv2D with a fused relu matches Keras") {
  check_golden("same_s1_relu", 3, 1, "same", 1, "relu");
}

TEST_CASE("DepthwiseConv2D: hand-computed 'valid' output, channel order c*M + m") {
  // One 2x2 image, 2 channels, a 2x2 kernel, multiplier 2: each output channel is one dot product.
  DepthwiseConv2D conv(2, 1, "valid", 2);
  conv.build(Shape{2, 2, 2});
  // kernel (2,2,2,2) = [ky][kx][c][m]: channel 0 sums (m=0) or takes the top-left pixel (m=1);
  // channel 1 takes the bottom-right pixel (m=0) or negates its sum (m=1).
  conv.kernel().value = Tensor(Shape{2, 2, 2, 2}, {1, 1, 0, -1,    // ky 0, kx 0
                                                   1, 0, 0, -1,    // ky 0, kx 1
                                                   1, 0, 0, -1,    // ky 1, kx 0
                                                   1, 0, 1, -1});  // ky 1, kx 1
  conv.bias().value = Tensor(Shape{4}, {0, 0, 0, 100});
  // Channel 0 holds 1,2,3,4 and channel 1 holds 10,20,30,40, pixel by pixel.
  const Tensor y = conv(Tensor(Shape{1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40}), false);
  REQUIRE(y.shape() == Shape{1, 1, 1, 4});
  CHECK(y[0] == 10.0f);  // c 0, m 0: 1+2+3+4
  CHECK(y[1] == 1.0f);   // c 0, m 1: top-left
  CHECK(y[2] == 40.0f);  // c 1, m 0: bottom-right
  CHECK(y[3] == 0.0f);   // c 1, m 1: 100 - (10+20+30+40)
}

TEST_CASE("DepthwiseConv2D output shapes and parameter counts follow Keras") {
  DepthwiseConv2D valid(3, 2, "valid", 2), same(3, 2, "same", 2);
  CHECK(valid.build(Shape{9, 10, 3}) == Shape{4, 4, 6});
  CHECK(same.build(Shape{9, 10, 3}) == Shape{5, 5, 6});
  CHECK(valid.kernel().value.shape() == Shape{3, 3, 3, 2});
  CHECK(valid.count_params() == 3 * 3 * 3 * 2 + 6);
  DepthwiseConv2D no_bias(3, 1, "same", 1, "linear", /*use_bias=*/false);
  no_bias.build(Shape{5, 5, 4});
  CHECK(no_bias.count_params() == 3 * 3 * 4);
  CHECK(no_bias.parameters().size() == 1);
  CHECK(valid.parameters()[0]->name == "kernel");
  CHECK(valid.parameters()[1]->name == "bias");
}

TEST_CASE("DepthwiseConv2D draws its kernel as Keras' Glorot uniform, zeros for the bias") {
  // Keras' fans for a (3,3,8,2) kernel: fan_in 3*3*8, fan_out 3*3*2.
  const float limit = std::sqrt(6.0f / (9 * 8 + 9 * 2));
  DepthwiseConv2D conv(3, 1, "same", 2);
  conv.set_seed(5);
  conv.build(Shape{6, 6, 8});
  float largest = 0.0f;
  for (Index i = 0; i < conv.kernel().value.size(); ++i) {
    largest = std::max(largest, std::abs(conv.kernel().value[i]));
  }
  CHECK(largest <= limit);
  CHECK(largest >= 0.9f * limit);  // 144 draws: one lands in the top tenth almost surely
  for (Index i = 0; i < conv.bias().value.size(); ++i) CHECK(conv.bias().value[i] == 0.0f);
  DepthwiseConv2D again(3, 1, "same", 2);
  again.set_seed(5);
  again.build(Shape{6, 6, 8});
  testing::check_close(again.kernel().value, conv.kernel().value, 0.0f);
}

TEST_CASE("DepthwiseConv2D matches a loop-by-loop reference across batches and thread counts") {
  struct Case {
    Size2 kernel, strides;
    const char* padding;
    Index multiplier, channels;
  };
  const Case cases[] = {{3, 1, "same", 1, 16},          {3, 2, "same", 2, 5},
                        {{5, 2}, {2, 1}, "same", 3, 4}, {3, 2, "valid", 1, 7},
                        {{1, 4}, 3, "valid", 2, 3},     {4, 1, "same", 1, 32}};
  for (const Case& c : cases) {
    INFO("kernel " << c.kernel.str() << " strides " << c.strides.str() << " " << c.padding
                   << " multiplier " << c.multiplier << " channels " << c.channels);
    DepthwiseConv2D conv(c.kernel, c.strides, c.padding, c.multiplier);
    conv.set_seed(7);
    conv.build(Shape{11, 9, c.channels});
    conv.bias().value = testing::random_tensor(Shape{c.channels * c.multiplier}, 8);
    const Tensor x = testing::random_tensor(Shape{5, 11, 9, c.channels}, 9);
    const Tensor dy = testing::random_tensor(conv.output_shape().with_batch(5), 10);
    const Reference r = direct_depthwise(x, conv.kernel().value, conv.bias().value, dy, c.strides,
                                         parse_padding(c.padding, "test"));
    // 5 images over 2 threads: images split between threads, partial gradients summed.
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      testing::check_close(conv(x, /*training=*/true), r.y, 1e-4f);
      conv.kernel().grad.fill(0.0f);
      conv.bias().grad.fill(0.0f);
      testing::check_close(conv.backward(dy), r.dx, 1e-4f);
      testing::check_close(conv.kernel().grad, r.dkernel, 1e-3f);
      testing::check_close(conv.bias().grad, r.dbias, 1e-3f);
    }
  }
  set_num_threads(0);
}

TEST_CASE("DepthwiseConv2D gradients match finite differences") {
  struct Case {
    Index h, w, k, stride;
    const char* padding;
    Index multiplier;
    bool bias;
  };
  const Case cases[] = {{5, 5, 3, 1, "valid", 1, true}, {5, 5, 3, 1, "same", 2, false},
                        {7, 6, 3, 2, "same", 2, true},  {7, 6, 3, 2, "valid", 1, true},
                        {6, 7, 4, 2, "same", 3, true},  {4, 6, 2, 1, "same", 1, false}};
  for (const Case& c : cases) {
    INFO(c.h << "x" << c.w << " kernel " << c.k << " stride " << c.stride << " " << c.padding
             << " multiplier " << c.multiplier << (c.bias ? " with bias" : " without bias"));
    DepthwiseConv2D conv(c.k, c.stride, c.padding, c.multiplier, "linear", c.bias);
    conv.set_seed(3);
    conv.build(Shape{c.h, c.w, 2});
    if (c.bias) conv.bias().value = testing::random_tensor(Shape{2 * c.multiplier}, 4);
    testing::check_layer_gradients(conv, testing::random_tensor(Shape{2, c.h, c.w, 2}, 5));
  }
}

TEST_CASE("DepthwiseConv2D with a fused relu: gradients match finite differences") {
  DepthwiseConv2D conv(3, 1, "same", 2, "relu");
  conv.build(Shape{5, 5, 2});
  conv.bias().value = Tensor(Shape{4}, 0.3f);
  testing::check_layer_gradients(conv, testing::random_tensor(Shape{2, 5, 5, 2}, 6), {1e-3f});
}

TEST_CASE("DepthwiseConv2D skips dx when no one reads it, and caches input and output") {
  DepthwiseConv2D conv(3, 1, "same");
  conv.build(Shape{4, 4, 2});
  const auto cache = conv.backward_cache();
  REQUIRE(cache.has_value());
  REQUIRE(cache->size() == 2);
  const Tensor x = testing::random_tensor(Shape{3, 4, 4, 2}, 1);
  const Tensor dy = testing::random_tensor(Shape{3, 4, 4, 2}, 2);
  conv.forward(x, /*training=*/true);
  CHECK((*cache)[0]->shape() == Shape{3, 4, 4, 2});
  CHECK((*cache)[1]->shape() == Shape{3, 4, 4, 2});
  conv.backward(dy);
  const Tensor full_grad = conv.kernel().grad.clone();
  conv.kernel().grad.fill(0.0f);
  conv.set_input_gradient(false);
  CHECK(conv.backward(dy).empty());
  testing::check_close(conv.kernel().grad, full_grad, 0.0f);
  const std::shared_ptr<Layer> shared = std::move(conv).into_shared();
  CHECK(shared->type() == "DepthwiseConv2D");
  CHECK(shared->count_params() == 3 * 3 * 2 + 2);
}

TEST_CASE("DepthwiseConv2D rejects a non-4D input, naming the layer and the shapes") {
  DepthwiseConv2D conv(3);
  conv.set_name("depthwise_conv2d");
  CHECK_THROWS_WITH(conv.build(Shape{32, 3}),
                    Catch::Contains("DepthwiseConv2D 'depthwise_conv2d'") &&
                        Catch::Contains("(N,H,W,C)") && Catch::Contains("(None,32,3)"));
  conv.build(Shape{8, 8, 3});
  CHECK_THROWS_WITH(conv(Tensor(Shape{8, 8, 3}, 0.0f), false),
                    Catch::Contains("DepthwiseConv2D 'depthwise_conv2d'") &&
                        Catch::Contains("(N,8,8,3)") && Catch::Contains("got (8,8,3)"));
  CHECK_THROWS_WITH(conv(Tensor(Shape{2, 8, 8, 4}, 0.0f), false),
                    Catch::Contains("(N,8,8,3)") && Catch::Contains("got (2,8,8,4)"));
  CHECK_THROWS_WITH(conv.backward(Tensor(Shape{2, 6, 6, 3}, 0.0f)),
                    Catch::Contains("training=true"));
  conv.forward(Tensor(Shape{2, 8, 8, 3}, 0.0f), /*training=*/true);
  CHECK_THROWS_WITH(conv.backward(Tensor(Shape{2, 8, 8, 3}, 0.0f)),
                    Catch::Contains("(N,6,6,3)") && Catch::Contains("got (2,8,8,3)"));
}

TEST_CASE("DepthwiseConv2D rejects a kernel larger than a 'valid' input and bad arguments") {
  DepthwiseConv2D conv(5, 1, "valid");
  CHECK_THROWS_WITH(conv.build(Shape{4, 8, 3}), Catch::Contains("DepthwiseConv2D") &&
                                                    Catch::Contains("(5,5)") &&
                                                    Catch::Contains("(None,4,8,3)"));
  CHECK_THROWS_WITH(DepthwiseConv2D(3, 1, "full"),
                    Catch::Contains("DepthwiseConv2D") && Catch::Contains("'full'"));
  CHECK_THROWS_WITH(DepthwiseConv2D(3, 1, "same", 0),
                    Catch::Contains("depth_multiplier") && Catch::Contains("got 0"));
  CHECK_THROWS_WITH(DepthwiseConv2D(3, 1, "same", 1, "swish"),
                    Catch::Contains("DepthwiseConv2D") && Catch::Contains("'swish'"));
  CHECK_THROWS_WITH(DepthwiseConv2D({3, 0}),
                    Catch::Contains("kernel_size") && Catch::Contains("(3,0)"));
  CHECK_THROWS_AS(DepthwiseConv2D(3, 0), Error);
}
