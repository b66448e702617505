#include <minidl/layers/augment/affine_transform.hpp>

#include <cmath>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

// The index an out-of-range tap i reads in an axis of n pixels, or -1 for "use fill_value".
Index fix_index(Index i, Index n, FillMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case FillMode::Constant:
      return -1;
    case FillMode::Nearest:
      return i < 0 ? 0 : n - 1;
    case FillMode::Wrap:
      return ((i % n) + n) % n;
    case FillMode::Reflect: {
      // Period 2n: d c b a | a b c d | d c b a.
      const Index period = 2 * n;
      Index r = ((i % period) + period) % period;
      return r < n ? r : period - 1 - r;
    }
  }
  return -1;
}

}  // namespace

Interpolation parse_interpolation(const std::string& name, const std::string& owner) {
  if (name == "bilinear") return Interpolation::Bilinear;
  if (name == "nearest") return Interpolation::Nearest;
  throw Error(owner + ": unknown interpolation '" + name + "', expected 'bilinear' or 'nearest'");
}

FillMode parse_fill_mode(const std::string& name, const std::string& owner) {
  if (name == "reflect") return FillMode::Reflect;
  if (name == "wrap") return FillMode::Wrap;
  if (name == "constant") return FillMode::Constant;
  if (name == "nearest") return FillMode::Nearest;
  throw Error(owner + ": unknown fill_mode '" + name +
              "', expected 'reflect', 'wrap', 'constant' or 'nearest'");
}

std::string interpolation_name(Interpolation interpolation) {
  return interpolation == Interpolation::Bilinear ? "bilinear" : "nearest";
}

std::string fill_mode_name(FillMode fill_mode) {
  switch (fill_mode) {
    case FillMode::Reflect:
      return "reflect";
    case FillMode::Wrap:
      return "wrap";
    case FillMode::Constant:
      return "constant";
    case FillMode::Nearest:
      break;
  }
  return "nearest";
}

AffineTransform rotation_transform(double radians, Index height, Index width) {
  const double c = std::cos(radians), s = std::sin(radians);
  const double cx = 0.5 * (width - 1), cy = 0.5 * (height - 1);
  AffineTransform t;
  t.a0 = static_cast<float>(c);
  t.a1 = static_cast<float>(-s);
  t.a2 = static_cast<float>(cx - cx * c + cy * s);
  t.b0 = static_cast<float>(s);
  t.b1 = static_cast<float>(c);
  t.b2 = static_cast<float>(cy - cx * s - cy * c);
  return t;
}

AffineTransform translation_transform(double dx, double dy) {
  AffineTransform t;
  t.a2 = static_cast<float>(-dx);
  t.b2 = static_cast<float>(-dy);
  return t;
}

AffineTransform zoom_transform(double zx, double zy, Index height, Index width) {
  AffineTransform t;
  t.a0 = static_cast<float>(zx);
  t.a2 = static_cast<float>(0.5 * (width - 1) * (1.0 - zx));
  t.b1 = static_cast<float>(zy);
  t.b2 = static_cast<float>(0.5 * (height - 1) * (1.0 - zy));
  return t;
}

namespace {

// Bilinear sample of (sx, sy) into out[0..c).
template <int C>
inline void resample_bilinear(const float* in, float* out, Index h, Index w, Index c_runtime,
                              float sx, float sy, const Resampling& r) {
  const Index c = C ? C : c_runtime;
  auto pixel = [&](Index y, Index x) { return in + (y * w + x) * c; };
  const float fx0 = std::floor(sx), fy0 = std::floor(sy);
  const float wx = sx - fx0, wy = sy - fy0;
  const Index x0 = static_cast<Index>(fx0), y0 = static_cast<Index>(fy0);
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
    // All four taps inside the image (most pixels): no fill-mode fixing.
    const float* p00 = pixel(y0, x0);
    const float* p10 = p00 + w * c;
    for (Index k = 0; k < c; ++k) {
      const float top = p00[k] + wx * (p00[k + c] - p00[k]);
      const float bottom = p10[k] + wx * (p10[k + c] - p10[k]);
      out[k] = top + wy * (bottom - top);
    }
    return;
  }
  const Index xs[2] = {fix_index(x0, w, r.fill_mode), fix_index(x0 + 1, w, r.fill_mode)};
  const Index ys[2] = {fix_index(y0, h, r.fill_mode), fix_index(y0 + 1, h, r.fill_mode)};
  const float weights[2][2] = {{(1 - wy) * (1 - wx), (1 - wy) * wx}, {wy * (1 - wx), wy * wx}};
  for (Index k = 0; k < c; ++k) out[k] = 0.0f;
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 2; ++i) {
      const float wgt = weights[j][i];
      if (xs[i] < 0 || ys[j] < 0) {
        for (Index k = 0; k < c; ++k) out[k] += wgt * r.fill_value;
      } else {
        const float* p = pixel(ys[j], xs[i]);
        for (Index k = 0; k < c; ++k) out[k] += wgt * p[k];
      }
    }
  }
}

// The resampler for C channels (C = 0: read the count from `c_runtime`) and one interpolation.
// Both are template parameters so that the per-pixel loop has no mode branch and the compiler
// unrolls the per-channel loops of the common cases (1, 3, 4 channels).
template <int C, Interpolation kInterpolation>
void resample(const float* in, float* out, Index h, Index w, Index c_runtime,
              const AffineTransform& t, const Resampling& r) {
  const Index c = C ? C : c_runtime;
  auto pixel = [&](Index y, Index x) { return in + (y * w + x) * c; };
  for (Index y = 0; y < h; ++y) {
    for (Index x = 0; x < w; ++x, out += c) {
      // Sample position in the input (float, as Keras computes it in float32).
      const float sx = t.a0 * x + t.a1 * y + t.a2;
      const float sy = t.b0 * x + t.b1 * y + t.b2;
      if constexpr (kInterpolation == Interpolation::Nearest) {
        const Index ix = fix_index(static_cast<Index>(std::floor(sx + 0.5f)), w, r.fill_mode);
        const Index iy = fix_index(static_cast<Index>(std::floor(sy + 0.5f)), h, r.fill_mode);
        if (ix < 0 || iy < 0) {
          for (Index k = 0; k < c; ++k) out[k] = r.fill_value;
        } else {
          const float* p = pixel(iy, ix);
          for (Index k = 0; k < c; ++k) out[k] = p[k];
        }
      } else {
        resample_bilinear<C>(in, out, h, w, c, sx, sy, r);
      }
    }
  }
}

}  // namespace

void affine_transform(const float* in, float* out, Index h, Index w, Index c,
                      const AffineTransform& t, const Resampling& r) {
  constexpr auto kBilinear = Interpolation::Bilinear, kNearest = Interpolation::Nearest;
  const bool bilinear = r.interpolation == kBilinear;
  switch (c) {
    case 1:
      return bilinear ? resample<1, kBilinear>(in, out, h, w, c, t, r)
                      : resample<1, kNearest>(in, out, h, w, c, t, r);
    case 3:
      return bilinear ? resample<3, kBilinear>(in, out, h, w, c, t, r)
                      : resample<3, kNearest>(in, out, h, w, c, t, r);
    case 4:
      return bilinear ? resample<4, kBilinear>(in, out, h, w, c, t, r)
                      : resample<4, kNearest>(in, out, h, w, c, t, r);
    default:
      return bilinear ? resample<0, kBilinear>(in, out, h, w, c, t, r)
                      : resample<0, kNearest>(in, out, h, w, c, t, r);
  }
}

Tensor affine_transform(const Tensor& images, const std::vector<AffineTransform>& transforms,
                        const Resampling& resampling) {
  if (images.rank() != 3 && images.rank() != 4) {
    throw Error("affine_transform: expected images (N,H,W,C) or (H,W,C), got " +
                images.shape().str());
  }
  const bool single = images.rank() == 3;
  const Index n = single ? 1 : images.dim(0);
  const int axis = single ? 0 : 1;
  const Index h = images.dim(axis), w = images.dim(axis + 1), c = images.dim(axis + 2);
  const Index count = static_cast<Index>(transforms.size());
  if (count != 1 && count != n) {
    throw Error("affine_transform: expected 1 or " + std::to_string(n) + " transforms for images " +
                images.shape().str() + ", got " + std::to_string(count));
  }
  Tensor out(images.shape());
  const Index size = h * w * c;
#pragma omp parallel for schedule(static) if (n * size >= (1 << 15))
  for (Index i = 0; i < n; ++i) {
    affine_transform(images.data() + i * size, out.data() + i * size, h, w, c,
                     transforms[count == 1 ? 0 : i], resampling);
  }
  return out;
}

}  // namespace minidl
