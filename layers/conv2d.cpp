#include <minidl/layers/conv2d.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#include <omp.h>

#include <minidl/core/detail/eigen.hpp>
#include <minidl/core/error.hpp>
#include <minidl/core/gemm_bf16.hpp>
#include <minidl/layers/detail/bf16_conv.hpp>
#include <minidl/layers/detail/direct_conv.hpp>
#include <minidl/layers/detail/winograd.hpp>
#include <minidl/layers/initializers.hpp>
#include <minidl/layers/normalization_maps.hpp>

namespace minidl {
namespace {

// A block's column matrix is sized to stay in a core's L2 cache (about 1 MiB here).
constexpr Index kBlockBytes = 512 * 1024;
// With 16 input channels the direct loops beat Winograd's forward pass, whose transforms then
// cost about what they save: ResNet-20 inference at 1 thread, 3 alternating runs, 1554, 1480 and
// 1554 img/s with the direct loops for its 16-channel layers against 1461, 1456 and 1437 with
// Winograd (32 channels and more: Winograd, 4.0 -> 3.7 ms for a 16x16x32 layer's batch of 128).
// The gradients take Winograd from 16 channels on.
constexpr Index kWinogradForwardChannels = 32;

// Winograd where it fits, except for the layers the sliding-window loops take: they run near the
// FMA peak, 1.4-1.5x Winograd's speed for ResNet-20's 16-filter layers (see DirectConv::slides).
bool takes_winograd(const ConvGeometry& g) {
  return detail::Winograd::suits(g) && !detail::DirectConv::slides(g);
}

// Under mixed_bfloat16, Winograd with bfloat16 products where VDPBF16PS runs them: its 2.25x
// fewer multiplications beat the direct bfloat16 products for 32 and 64 channels (the reference
// CNN's second layer, batch 64, one Zen 4 thread: 10.4 -> 7.4 ms forward and backward). With AMX
// the direct products' tiles are the faster way; 16-channel layers keep the direct products.
bool takes_bf16_winograd(const ConvGeometry& g) {
  return takes_winograd(g) && detail::Winograd::suits_bf16(g) &&
         g.cin >= kWinogradForwardChannels && g.cout >= kWinogradForwardChannels;
}

// db[c0, c0 + W) += the sum of rows [r0, r1) of dz, added in row order from 0: a short chain of
// additions held in registers.
template <Index W>
void add_run(const float* dz, Index r0, Index r1, Index cols, Index c0, float* db) {
  float sum[W] = {};
  for (Index r = r0; r < r1; ++r) {
    for (Index k = 0; k < W; ++k) sum[k] += dz[r * cols + c0 + k];
  }
  for (Index k = 0; k < W; ++k) db[c0 + k] += sum[k];
}

// db += dz's rows, summed an image row (`run` pixels) at a time, each run's sum then added to db,
// runs in order. The runs' chains of additions overlap, where one chain per column through all
// the rows would wait on each addition; and a pooling's routing adds the same way when it writes
// dz as bfloat16 pairs (MaxPooling2D::route_image_pairs), so the two agree bit for bit.
void add_rows(const float* dz, Index rows, Index cols, Index run, float* db) {
  constexpr Index kChunk = 16;
  for (Index r0 = 0; r0 < rows; r0 += run) {
    const Index r1 = std::min(rows, r0 + run);
    Index c0 = 0;
    for (; c0 + kChunk <= cols; c0 += kChunk) add_run<kChunk>(dz, r0, r1, cols, c0, db);
    for (; c0 < cols; ++c0) add_run<1>(dz, r0, r1, cols, c0, db);
  }
}

// body(i, scratch) for each of n images, on all threads, `scratch` being `scratch_size` floats of
// the calling thread's own.
template <class Body>
void each_image(Index n, Index scratch_size, Body body) {
#pragma omp parallel if (n > 1)
  {
    Tensor scratch(Shape{scratch_size});
#pragma omp for schedule(static)
    for (Index i = 0; i < n; ++i) body(i, scratch.data());
  }
}

}  // namespace

Conv2D::Conv2D(Index filters, Size2 kernel_size, Size2 strides, const std::string& padding,
               const std::string& activation, bool use_bias)
    : filters_(filters),
      kernel_size_(kernel_size),
      strides_(strides),
      padding_(parse_padding(padding, "Conv2D")),
      activation_(parse_activation(activation, "Conv2D")),
      use_bias_(use_bias) {
  if (filters < 1) throw Error("Conv2D: filters must be >= 1, got " + std::to_string(filters));
  check_window_args("Conv2D", "kernel_size", kernel_size, strides);
}

Shape Conv2D::build_impl(const Shape& s) {
  check_image_sample(s);
  const auto [rows, cols] = window_2d(label(), s, kernel_size_, strides_, padding_, "kernel");
  g_ = {s[0],           s[1],           s[2],       rows.out,   cols.out,        filters_,
        kernel_size_.h, kernel_size_.w, strides_.h, strides_.w, rows.pad_before, cols.pad_before};
  Generator init(seed());
  const Index fan_in = g_.patch(), fan_out = kernel_size_.h * kernel_size_.w * filters_;
  kernel_.value = glorot_uniform(Shape{g_.kh, g_.kw, g_.cin, filters_}, fan_in, fan_out, init);
  kernel_.grad = Tensor::zeros(kernel_.value.shape());
  if (use_bias_) {
    bias_.value = Tensor::zeros(Shape{filters_});
    bias_.grad = Tensor::zeros(Shape{filters_});
  }
  return Shape{g_.oh, g_.ow, filters_};
}

std::vector<Parameter*> Conv2D::parameters() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

Index Conv2D::images_per_block() const {
  const Index bytes_per_image = g_.oh * g_.ow * g_.patch() * Index{sizeof(float)};
  return std::max<Index>(1, kBlockBytes / bytes_per_image);
}

// cols (images*OH*OW, KH*KW*Cin): row (n,oy,ox) holds the window of output pixel (oy,ox), ordered
// (ky,kx,c) like the kernel; taps in the padding are 0. For fixed (oy,ox,ky) the kx taps are
// consecutive input pixels, so each in-range run is one memcpy of up to KW*Cin floats.
void Conv2D::im2col(const float* x, Index images, float* cols) const {
  const Index run = g_.kw * g_.cin;
  float* row = cols;
  for (Index n = 0; n < images; ++n) {
    const float* image = x + n * g_.h * g_.w * g_.cin;
    for (Index oy = 0; oy < g_.oh; ++oy) {
      for (Index ox = 0; ox < g_.ow; ++ox, row += g_.patch()) {
        const Index x0 = ox * g_.sw - g_.pad_left;
        const Index kx_begin = std::max<Index>(0, -x0), kx_end = std::min(g_.kw, g_.w - x0);
        for (Index ky = 0; ky < g_.kh; ++ky) {
          float* dst = row + ky * run;
          const Index iy = oy * g_.sh - g_.pad_top + ky;
          if (iy < 0 || iy >= g_.h || kx_begin >= kx_end) {
            std::memset(dst, 0, run * sizeof(float));
            continue;
          }
          // Most windows lie inside the image: skip the calls for empty padding runs.
          if (kx_begin > 0) std::memset(dst, 0, kx_begin * g_.cin * sizeof(float));
          std::memcpy(dst + kx_begin * g_.cin, image + (iy * g_.w + x0 + kx_begin) * g_.cin,
                      (kx_end - kx_begin) * g_.cin * sizeof(float));
          if (kx_end < g_.kw) {
            std::memset(dst + kx_end * g_.cin, 0, (g_.kw - kx_end) * g_.cin * sizeof(float));
          }
        }
      }
    }
  }
}

// The adjoint of im2col: every tap of cols is added back to the input pixel it was read from.
void Conv2D::col2im(const float* cols, Index images, float* dx) const {
  const Index run = g_.kw * g_.cin;
  std::memset(dx, 0, images * g_.h * g_.w * g_.cin * sizeof(float));
  const float* row = cols;
  for (Index n = 0; n < images; ++n) {
    float* image = dx + n * g_.h * g_.w * g_.cin;
    for (Index oy = 0; oy < g_.oh; ++oy) {
      for (Index ox = 0; ox < g_.ow; ++ox, row += g_.patch()) {
        const Index x0 = ox * g_.sw - g_.pad_left;
        const Index kx_begin = std::max<Index>(0, -x0), kx_end = std::min(g_.kw, g_.w - x0);
        for (Index ky = 0; ky < g_.kh; ++ky) {
          const Index iy = oy * g_.sh - g_.pad_top + ky;
          if (iy < 0 || iy >= g_.h) continue;
          const float* src = row + ky * run + kx_begin * g_.cin;
          float* dst = image + (iy * g_.w + x0 + kx_begin) * g_.cin;
          for (Index i = 0; i < (kx_end - kx_begin) * g_.cin; ++i) dst[i] += src[i];
        }
      }
    }
  }
}

Tensor Conv2D::forward(const Tensor& x, bool training) {
  check_input(x);
  Tensor y(Shape{x.dim(0), g_.oh, g_.ow, g_.cout});
  convolve(x, y, {kernel_.value.data(), use_bias_ ? bias_.value.data() : nullptr, activation_});
  if (training) {
    input_ = x.share();
    output_ = y.share();
    pooled_ = Tensor();
  }
  return y;
}

Tensor Conv2D::forward_affine(const std::vector<Tensor>& xs, const std::vector<float>& scale,
                              const std::vector<float>& shift, const Tensor* residual, bool relu) {
  if (xs.size() != 1) throw Error(label() + ": takes one input, got " + std::to_string(xs.size()));
  if (!folds_affine() || scale.size() != std::size_t(g_.cout) || shift.size() != scale.size()) {
    throw Error(label() + ": cannot fold a per-channel scale and shift of " +
                std::to_string(scale.size()) + " channels");
  }
  const Tensor& x = xs[0];
  check_input(x);
  // kernel * scale and bias * scale + shift, per output channel (the kernel's last axis).
  Tensor kernel(kernel_.value.shape()), bias(Shape{g_.cout});
  for (Index i = 0; i < kernel.size(); ++i) kernel[i] = kernel_.value[i] * scale[i % g_.cout];
  for (Index c = 0; c < g_.cout; ++c) {
    bias[c] = (use_bias_ ? bias_.value[c] * scale[c] : 0.0f) + shift[c];
  }
  Tensor y(Shape{x.dim(0), g_.oh, g_.ow, g_.cout});
  if (residual && residual->shape() != y.shape()) {
    throw Error(label() + ": cannot add a residual of shape " + residual->shape().str() +
                " to its output " + y.shape().str());
  }
  convolve(x, y,
           {kernel.data(), bias.data(), relu ? ActivationKind::Relu : ActivationKind::Linear,
            residual ? residual->data() : nullptr});
  return y;
}

Conv2D::ForwardPath Conv2D::forward_path() const {
  if (dtype_policy() == DtypePolicy::mixed_bfloat16) {
    return takes_bf16_winograd(g_) ? ForwardPath::winograd : ForwardPath::bf16;
  }
  if (takes_winograd(g_) && g_.cin >= kWinogradForwardChannels) return ForwardPath::winograd;
  if (detail::DirectConv::suits(g_)) return ForwardPath::direct;
  return ForwardPath::im2col;
}

void Conv2D::convolve(const Tensor& x, Tensor& y, const Weights& w, const Pooled* pooled) const {
  switch (forward_path()) {
    case ForwardPath::winograd:
      return forward_winograd(x, y, w, pooled);
    case ForwardPath::direct:
      return forward_direct(x, y, w, pooled);
    case ForwardPath::bf16:
      return forward_bf16(x, y, w, pooled);
    case ForwardPath::im2col:
      break;
  }
  forward_im2col(x, y, w);
}

bool Conv2D::pools_into(const MaxPooling2D& pool) const {
  return (activation_ == ActivationKind::Linear || activation_ == ActivationKind::Relu) &&
         pool.routes_images() && pool.input_shape() == output_shape();
}

Tensor Conv2D::forward_pooled(const Tensor& x, MaxPooling2D& pool, bool training) {
  check_input(x);
  if (!pools_into(pool)) {
    throw Error(label() + ": cannot pool its output " + output_shape().str() + " into " +
                pool.label() + ", whose windows must tile an input of that shape");
  }
  const Index n = x.dim(0);
  Tensor pooled(pool.output_shape().with_batch(n));
  const Weights w{kernel_.value.data(), use_bias_ ? bias_.value.data() : nullptr, activation_};
  const Pooled into{&pool, pooled.data(), training ? pool.pooled_batch(n) : MaxPooling2D::Maxima{}};
  if (forward_path() != ForwardPath::im2col) {
    Tensor unused;
    convolve(x, unused, w, &into);
  } else {
    // im2col's blocks of images: the whole output first, pooled image by image after.
    Tensor y(Shape{n, g_.oh, g_.ow, g_.cout});
    convolve(x, y, w);
    const Index out_size = g_.oh * g_.ow * g_.cout, pooled_size = pooled.size() / n;
#pragma omp parallel for schedule(static) if (n > 1)
    for (Index i = 0; i < n; ++i) {
      pool.pool_image(y.data() + i * out_size, into.values + i * pooled_size, into.maxima, i);
    }
  }
  if (training) {
    input_ = x.share();
    output_ = Tensor();  // backward_pooled reads the pooled output instead
    pooled_ = pooled.share();
  }
  return pooled;
}

Tensor Conv2D::backward_pooled(const Tensor& dy, const MaxPooling2D& pool) {
  if (dy.rank() == 0 || dy.shape() != pool.output_shape().with_batch(dy.dim(0)) ||
      pooled_.empty() || dy.dim(0) != pooled_.dim(0)) {
    throw Error(label() + ": backward_pooled expected the gradient of " + pool.label() +
                "'s output from the last forward_pooled with training=true, got " +
                dy.shape().str());
  }
  return backward_from(dy, nullptr, &pool);
}

void Conv2D::finish_output(const Weights& w, float* y, Index offset, Index count) const {
  float* out = y + offset;
  if (w.residual) {
    const float* residual = w.residual + offset;
#pragma omp simd
    for (Index i = 0; i < count; ++i) out[i] += residual[i];
  }
  activation_forward(w.activation, out, count, g_.cout);
}

// Images in parallel: convolve(image, out, scratch) writes one image's output, then bias is
// already in and the residual and activation are applied while the image is in cache.
// With `pooled`, each image's output goes to a buffer of the thread's, still in cache when the
// pooling reads it, instead of to y.
template <class F>
void Conv2D::forward_images(const Tensor& x, Tensor& y, Index scratch_size, const Weights& w,
                            const Pooled* pooled, F convolve) const {
  const Index n = x.dim(0), in_size = g_.h * g_.w * g_.cin, out_size = g_.oh * g_.ow * g_.cout;
  const Index pooled_size = pooled ? pooled->pool->output_shape().size() : 0;
  // A pooled image's output follows the convolution's scratch, at a cache-line boundary
  // (Tensor's data is 64-byte aligned).
  const Index out_at = (scratch_size + 15) / 16 * 16;
  each_image(n, out_at + (pooled ? out_size : 0), [&](Index i, float* scratch) {
    if (pooled) {
      float* image_out = scratch + out_at;
      convolve(x.data() + i * in_size, image_out, scratch);
      finish_output(w, image_out, 0, out_size);
      pooled->pool->pool_image(image_out, pooled->values + i * pooled_size, pooled->maxima, i);
    } else {
      convolve(x.data() + i * in_size, y.data() + i * out_size, scratch);
      finish_output(w, y.data(), i * out_size, out_size);
    }
  });
}

bool Conv2D::pools_in_registers(const Weights& w, const Pooled* pooled) {
  return pooled && !w.residual && pooled->pool->pools_2x2(pooled->maxima);
}

template <class F>
void Conv2D::forward_pooled_images(const Tensor& x, const Pooled& pooled, Index scratch_size,
                                   F convolve_pooled) const {
  const Index in_size = g_.h * g_.w * g_.cin, pooled_size = pooled.pool->output_shape().size();
  std::uint8_t* windows = pooled.maxima.windows;
  each_image(x.dim(0), scratch_size, [&](Index i, float* scratch) {
    convolve_pooled(x.data() + i * in_size, pooled.values + i * pooled_size,
                    windows ? windows + i * pooled_size : nullptr, scratch);
  });
}

void Conv2D::forward_direct(const Tensor& x, Tensor& y, const Weights& w,
                            const Pooled* pooled) const {
  const detail::DirectConv direct(g_);
  if (pools_in_registers(w, pooled) && direct.pools()) {
    // The loops' register tiles hold whole pooling windows: rectified and pooled as they are
    // stored, the convolution's output never written (the reference CNN's first layer, 64
    // images, one thread: 1.49 -> 1.25 ms).
    const bool relu = w.activation == ActivationKind::Relu;
    return forward_pooled_images(
        x, *pooled, direct.padded_size(),
        [&](const float* image, float* maxima, std::uint8_t* records, float* scratch) {
          direct.forward_image_pooled(image, w.kernel, w.bias, relu, maxima, records, scratch);
        });
  }
  forward_images(x, y, direct.padded_size(), w, pooled,
                 [&](const float* image, float* out, float* padded) {
                   direct.forward_image(image, w.kernel, w.bias, out, padded);
                 });
}

void Conv2D::forward_winograd(const Tensor& x, Tensor& y, const Weights& w,
                              const Pooled* pooled) const {
  detail::Winograd winograd(g_, dtype_policy() == DtypePolicy::mixed_bfloat16);
  winograd.set_kernel(w.kernel);
  if (pools_in_registers(w, pooled)) {
    // The pooling's windows are Winograd's 2x2 output blocks: pooled in the output transform,
    // the convolution's output never stored (the reference CNN's second layer, one thread: about
    // 0.13 ms less forward, 7% under mixed_bfloat16 and 4% under float32).
    const bool relu = w.activation == ActivationKind::Relu;
    return forward_pooled_images(
        x, *pooled, winograd.scratch_size(),
        [&](const float* image, float* maxima, std::uint8_t* records, float* scratch) {
          winograd.forward_pooled(image, w.bias, {maxima, records, relu}, scratch);
        });
  }
  forward_images(x, y, winograd.scratch_size(), w, pooled,
                 [&](const float* image, float* out, float* scratch) {
                   winograd.forward(image, w.bias, out, scratch);
                 });
}

void Conv2D::forward_bf16(const Tensor& x, Tensor& y, const Weights& w,
                          const Pooled* pooled) const {
  const detail::Bf16Conv conv(g_);
  const detail::AlignedVector<bfloat16> kernel = conv.pack_kernel(w.kernel);
  // A ReLU with nothing added before it is applied while the product is copied out: no pass of
  // its own.
  const bool relu = w.activation == ActivationKind::Relu && !w.residual;
  if (pools_in_registers(w, pooled) && bf16_kernel() != Bf16Kernel::amx) {
    // The product's tiles hold whole pooling windows: pooled as they are stored, the
    // convolution's output never written (the reference CNN's first layer, 64 images, one
    // thread: 1.00 -> 0.81 ms).
    return forward_pooled_images(
        x, *pooled, 0,
        [&](const float* image, float* maxima, std::uint8_t* records, float* /*scratch*/) {
          conv.forward_image_pooled(image, kernel.data(), w.bias, relu, maxima, records);
        });
  }
  Weights rest = w;
  if (relu) rest.activation = ActivationKind::Linear;
  forward_images(x, y, 0, rest, pooled, [&](const float* image, float* out, float* /*scratch*/) {
    conv.forward_image(image, kernel.data(), w.bias, relu, out);
  });
}

void Conv2D::forward_im2col(const Tensor& x, Tensor& y, const Weights& w) const {
  const Index n = x.dim(0), per_block = images_per_block();
  const Index blocks = (n + per_block - 1) / per_block;
  const Index out_pixels = g_.oh * g_.ow, in_size = g_.h * g_.w * g_.cin;
  // One block is run by the calling thread: waking a team costs more than small work.
#pragma omp parallel if (blocks > 1)
  {
    // Inside the parallel region OpenBLAS (OpenMP build) runs each GEMM on the calling thread.
    Tensor cols(Shape{std::min(per_block, n) * out_pixels, g_.patch()});
#pragma omp for schedule(static)
    for (Index b = 0; b < blocks; ++b) {
      const Index first = b * per_block, images = std::min(per_block, n - first);
      const Index rows = images * out_pixels;
      const Index offset = first * out_pixels * g_.cout;
      float* out = y.data() + offset;
      im2col(x.data() + first * in_size, images, cols.data());
      // out (rows,cout) = cols (rows,patch) . kernel (patch,cout)
      gemm(dtype_policy(), Transpose::No, Transpose::No, rows, g_.cout, g_.patch(), cols.data(),
           g_.patch(), w.kernel, g_.cout, 0.0f, out, g_.cout);
      // Bias, residual and activation while the block is still in cache.
      if (w.bias) {
        detail::UnalignedMatrixView(out, rows, g_.cout).rowwise() +=
            Eigen::Map<const Eigen::RowVectorXf>(w.bias, g_.cout);
      }
      finish_output(w, y.data(), offset, rows * g_.cout);
    }
  }
}

// The kernel gradient and the input gradient each take the fastest path that fits: the sliding
// loops for 16 filters with 3-wide kernels, Winograd F(2x2,3x3) for other 3x3 stride 1, direct
// loops for 16-64 filters, im2col + GEMM otherwise. The input
// gradient of a stride-1 layer is a convolution of dz with the flipped kernel (Cin and Cout
// swapped), so it takes the same paths as a forward pass; with strides it is GEMM + col2im.
Tensor Conv2D::backward(const Tensor& dy) {
  return backward_from(dy, nullptr);
}

std::vector<Tensor> Conv2D::backward_normalized(const NormalizationGradient& map) {
  if (!takes_normalization_gradient() || map.channels() != g_.cout) {
    throw Error(label() + ": cannot apply the input gradient of a BatchNormalization over " +
                std::to_string(map.channels()) + " channels");
  }
  std::vector<Tensor> dx;
  dx.push_back(backward_from(map.dy, &map));
  return dx;
}

Tensor Conv2D::backward_from(const Tensor& dy, const NormalizationGradient* normalization,
                             const MaxPooling2D* pool) {
  if (!pool) check_backward(batch_of(input_), dy);
  const Index n = dy.dim(0), per_block = images_per_block();
  const Index blocks = (n + per_block - 1) / per_block;
  const Index out_pixels = g_.oh * g_.ow, in_size = g_.h * g_.w * g_.cin;
  const bool need_dx = input_gradient();
  std::optional<detail::Winograd> winograd, winograd_dx;
  std::optional<detail::DirectConv> direct, direct_dx;
  std::optional<detail::Bf16Conv> bf16, bf16_dx;
  const bool stride1 = g_.sh == 1 && g_.sw == 1;
  const ConvGeometry transposed = detail::transposed_geometry(g_);
  // A stride-1 input gradient convolves dz with the flipped kernel.
  Tensor k;
  if (need_dx && stride1) {
    k = Tensor(kernel_.value.shape());
    detail::flip_transpose_kernel(g_, kernel_.value.data(), k.data());
  }
  Tensor flipped;                                // the flipped kernel for direct_dx, or
  detail::AlignedVector<bfloat16> flipped_bf16;  // packed for bf16_dx
  if (dtype_policy() == DtypePolicy::mixed_bfloat16) {
    if (takes_bf16_winograd(g_)) {
      winograd.emplace(g_, true);
    } else {
      bf16.emplace(g_);
    }
    if (!k.empty() && takes_bf16_winograd(transposed)) {
      winograd_dx.emplace(transposed, true);
      winograd_dx->set_kernel(k.data());
    } else if (!k.empty()) {
      bf16_dx.emplace(transposed);
      flipped_bf16 = bf16_dx->pack_kernel(k.data());
    }
  } else {
    if (takes_winograd(g_)) {
      winograd.emplace(g_, false);
    } else if (detail::DirectConv::suits(g_)) {
      direct.emplace(g_);
    }
    if (!k.empty() && takes_winograd(transposed)) {
      winograd_dx.emplace(transposed, false);
      winograd_dx->set_kernel(k.data());
    } else if (!k.empty() && detail::DirectConv::suits(transposed)) {
      direct_dx.emplace(transposed);
      flipped = std::move(k);
    }
  }
  // A first layer's (no input gradient) bfloat16 kernel gradient reads dz in bfloat16 pairs: the
  // pooling's routing writes them, and dz is never written in float32.
  const bool routes_pairs =
      pool && bf16 && !need_dx && pool->routes_pairs() && bf16_kernel() != Bf16Kernel::amx;
  const Index pair_width = routes_pairs ? bf16->gradient_shape()[1] : 0;
  const Index pooled_size = pool ? pool->output_shape().size() : 0;
  const bool relu = activation_ == ActivationKind::Relu;
  const bool gemm_dk = !winograd && !direct && !bf16;
  const bool gemm_dx = need_dx && !winograd_dx && !direct_dx && !bf16_dx;
  Tensor dx = need_dx ? Tensor(input_.shape()) : Tensor();
  // Per-thread partial gradients of kernel (or its transform) and bias, summed in thread order
  // afterwards: deterministic for a given thread count.
  const int threads = omp_get_max_threads();
  const Shape partial_shape = winograd ? Shape{winograd->transformed_kernel_size()}
                              : bf16   ? bf16->gradient_shape()
                                       : kernel_.value.shape();
  std::vector<Tensor> kernel_partial(threads), bias_partial(threads);
#pragma omp parallel if (blocks > 1)
  {
    const int t = omp_get_thread_num();
    Tensor& dk = kernel_partial[t];
    Tensor& db = bias_partial[t];
    dk = Tensor::zeros(partial_shape);
    db = Tensor::zeros(Shape{g_.cout});
    const Index max_rows = std::min(per_block, n) * out_pixels;
    Tensor cols(Shape{gemm_dk || gemm_dx ? max_rows : 0, g_.patch()});
    // Without an activation or a BatchNormalization's map dz is dy itself: no copy.
    const bool linear = activation_ == ActivationKind::Linear && !normalization && !pool;
    Tensor dz_block(Shape{linear ? 0 : max_rows, g_.cout});
    const Index scratch = std::max(
        {winograd ? winograd->scratch_size() : 0, winograd_dx ? winograd_dx->scratch_size() : 0,
         direct ? direct->padded_size() : 0, direct_dx ? direct_dx->padded_size() : 0});
    Tensor work(Shape{scratch});
    detail::AlignedVector<bfloat16> dz_pairs(routes_pairs ? bf16->dz_pairs_size() : 0);
#pragma omp for schedule(static)
    for (Index b = 0; b < blocks; ++b) {
      const Index first = b * per_block, images = std::min(per_block, n - first);
      const Index rows = images * out_pixels, offset = first * out_pixels * g_.cout;
      for (Index i = 0; i < images && routes_pairs; ++i) {
        const Index image = first + i;
        pool->route_image_pairs(dy.data() + image * pooled_size, image, relu, pair_width,
                                dz_pairs.data(), use_bias_ ? db.data() : nullptr);
        bf16->add_kernel_gradient(input_.data() + image * in_size, dz_pairs.data(), dk.data());
      }
      if (routes_pairs) continue;
      // dz (rows,cout) = dy * f'(y), or a following BatchNormalization's map of dy and y, or the
      // pooling's routing of its dy, for this block only, so it stays in cache for what follows.
      const float* dz = pool ? nullptr : dy.data() + offset;
      if (pool) {
        for (Index i = 0; i < images; ++i) {
          const Index b = first + i;
          pool->route_image(dy.data() + b * pooled_size, b,
                            relu ? pooled_.data() + b * pooled_size : nullptr,
                            dz_block.data() + i * out_pixels * g_.cout);
        }
        dz = dz_block.data();
      } else if (normalization) {
        normalization->apply(output_.data() + offset, dz, rows, dz_block.data());
        dz = dz_block.data();
      } else if (!linear) {
        activation_backward(activation_, output_.data() + offset, dz, dz_block.data(),
                            rows * g_.cout, g_.cout);
        dz = dz_block.data();
      }
      if (use_bias_) add_rows(dz, rows, g_.cout, g_.ow, db.data());
      for (Index i = 0; i < images && !gemm_dk; ++i) {
        const float* image = input_.data() + (first + i) * in_size;
        const float* dzi = dz + i * out_pixels * g_.cout;
        if (winograd) {
          winograd->add_transformed_gradient(image, dzi, dk.data(), work.data());
        } else if (bf16) {
          bf16->add_kernel_gradient(image, dzi, dk.data());
        } else {
          direct->add_kernel_gradient(direct->prepare(image, work.data()), dzi, dk.data());
        }
      }
      if (gemm_dk) {
        im2col(input_.data() + first * in_size, images, cols.data());
        // dk (patch,cout) += cols^T (patch,rows) . dz (rows,cout)
        gemm(dtype_policy(), Transpose::Yes, Transpose::No, g_.patch(), g_.cout, rows, cols.data(),
             g_.patch(), dz, g_.cout, 1.0f, dk.data(), g_.cout);
      }
      for (Index i = 0; i < images && need_dx && !gemm_dx; ++i) {
        const float* dzi = dz + i * out_pixels * g_.cout;
        float* dxi = dx.data() + (first + i) * in_size;
        if (winograd_dx) {
          winograd_dx->forward(dzi, nullptr, dxi, work.data());
        } else if (bf16_dx) {
          bf16_dx->forward_image(dzi, flipped_bf16.data(), nullptr, false, dxi);
        } else {
          direct_dx->forward_image(dzi, flipped.data(), nullptr, dxi, work.data());
        }
      }
      if (gemm_dx) {
        // dcols (rows,patch) = dz (rows,cout) . kernel^T (cout,patch), then back to pixels
        gemm(dtype_policy(), Transpose::No, Transpose::Yes, rows, g_.patch(), g_.cout, dz, g_.cout,
             kernel_.value.data(), g_.cout, 0.0f, cols.data(), g_.patch());
        col2im(cols.data(), images, dx.data() + first * in_size);
      }
    }
  }
  Tensor sum = Tensor::zeros(partial_shape);
  for (int t = 0; t < threads; ++t) {
    if (kernel_partial[t].empty()) continue;  // a thread the team did not use
    detail::array(sum) += detail::array(kernel_partial[t]);
    if (use_bias_) detail::array(bias_.grad) += detail::array(bias_partial[t]);
  }
  if (winograd) {
    winograd->add_kernel_gradient_from(sum.data(), kernel_.grad.data());
  } else if (bf16) {
    bf16->add_unpadded(sum.data(), kernel_.grad.data());
  } else {
    detail::array(kernel_.grad) += detail::array(sum);
  }
  return dx;
}

Json Conv2D::get_config() const {
  return {{"filters", filters_},
          {"kernel_size", {kernel_size_.h, kernel_size_.w}},
          {"strides", {strides_.h, strides_.w}},
          {"padding", padding_name(padding_)},
          {"data_format", "channels_last"},
          {"dilation_rate", {1, 1}},
          {"groups", 1},
          {"activation", activation_name(activation_)},
          {"use_bias", use_bias_}};
}

Conv2D Conv2D::from_config(const LayerConfig& config) {
  require_plain_convolution(config);
  config.require("groups", 1, "grouped convolutions are not implemented");
  const auto [kh, kw] = config.pair("kernel_size");
  const auto [sh, sw] = config.pair("strides");
  return Conv2D(config.integer("filters"), Size2(kh, kw), Size2(sh, sw),
                config.string("padding", "valid"), config.string("activation", "linear"),
                config.boolean("use_bias", true));
}

}  // namespace minidl
