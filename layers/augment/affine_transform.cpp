#include <minidl/layers/augment/affine_transform.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <minidl/core/error.hpp>
#include <minidl/layers/augment/detail/resample.hpp>
#include <minidl/layers/augment/detail/shift_rows.hpp>

namespace minidl {

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

AffineTransform shear_transform(double sx, double sy, double cx, double cy) {
  AffineTransform t;
  t.a1 = static_cast<float>(sx);
  t.a2 = static_cast<float>(-sx * cy);
  t.b0 = static_cast<float>(sy);
  t.b2 = static_cast<float>(-sy * cx);
  return t;
}

AffineTransform homography(const float (&from)[4][2], const float (&to)[4][2]) {
  // u = (a0 x + a1 y + a2) / (c0 x + c1 y + 1), v likewise with b, for (x, y) = to, (u, v) = from:
  // eight linear equations in a0..b2, c0, c1, solved by Gaussian elimination with partial
  // pivoting in double.
  double m[8][9] = {};
  for (int i = 0; i < 4; ++i) {
    const double x = to[i][0], y = to[i][1], u = from[i][0], v = from[i][1];
    double* ru = m[2 * i];
    double* rv = m[2 * i + 1];
    ru[0] = x, ru[1] = y, ru[2] = 1, ru[6] = -x * u, ru[7] = -y * u, ru[8] = u;
    rv[3] = x, rv[4] = y, rv[5] = 1, rv[6] = -x * v, rv[7] = -y * v, rv[8] = v;
  }
  for (int col = 0; col < 8; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 8; ++r) {
      if (std::abs(m[r][col]) > std::abs(m[pivot][col])) pivot = r;
    }
    if (std::abs(m[pivot][col]) < 1e-12) {
      throw Error("homography: the four points are degenerate (three on a line)");
    }
    std::swap(m[col], m[pivot]);
    for (int r = 0; r < 8; ++r) {
      if (r == col) continue;
      const double f = m[r][col] / m[col][col];
      for (int k = col; k < 9; ++k) m[r][k] -= f * m[col][k];
    }
  }
  double h[8];
  for (int k = 0; k < 8; ++k) h[k] = m[k][8] / m[k][k];
  AffineTransform t;
  t.a0 = float(h[0]), t.a1 = float(h[1]), t.a2 = float(h[2]);
  t.b0 = float(h[3]), t.b1 = float(h[4]), t.b2 = float(h[5]);
  t.c0 = float(h[6]), t.c1 = float(h[7]);
  return t;
}

AffineTransform inverse(const AffineTransform& t) {
  // The 3x3 matrix [[a0 a1 a2] [b0 b1 b2] [c0 c1 1]] inverted by its adjugate, scaled so that
  // its last entry is 1 again.
  const double m[3][3] = {{t.a0, t.a1, t.a2}, {t.b0, t.b1, t.b2}, {t.c0, t.c1, 1.0}};
  double adj[3][3];
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      const int r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
      adj[r][c] = m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
    }
  }
  if (std::abs(adj[2][2]) < 1e-12) throw Error("affine_transform: the transform has no inverse");
  const double s = 1.0 / adj[2][2];
  AffineTransform inv;
  inv.a0 = float(adj[0][0] * s), inv.a1 = float(adj[0][1] * s), inv.a2 = float(adj[0][2] * s);
  inv.b0 = float(adj[1][0] * s), inv.b1 = float(adj[1][1] * s), inv.b2 = float(adj[1][2] * s);
  inv.c0 = float(adj[2][0] * s), inv.c1 = float(adj[2][1] * s);
  return inv;
}

std::array<float, 2> map_point(const AffineTransform& t, float x, float y) {
  const float k = t.c0 * x + t.c1 * y + 1.0f;
  return {(t.a0 * x + t.a1 * y + t.a2) / k, (t.b0 * x + t.b1 * y + t.b2) / k};
}

std::array<float, 4> map_box(const AffineTransform& inverse_t, const std::array<float, 4>& b) {
  // Edges at whole numbers are pixel centres minus 0.5 in the sampling's coordinates.
  float x1 = std::numeric_limits<float>::max(), y1 = x1;
  float x2 = std::numeric_limits<float>::lowest(), y2 = x2;
  for (const float x : {b[0], b[2]}) {
    for (const float y : {b[1], b[3]}) {
      const auto [u, v] = map_point(inverse_t, x - 0.5f, y - 0.5f);
      x1 = std::min(x1, u + 0.5f), x2 = std::max(x2, u + 0.5f);
      y1 = std::min(y1, v + 0.5f), y2 = std::max(y2, v + 0.5f);
    }
  }
  return {x1, y1, x2, y2};
}

AffineTransform zoom_transform(double zx, double zy, Index height, Index width) {
  AffineTransform t;
  t.a0 = static_cast<float>(zx);
  t.a2 = static_cast<float>(0.5 * (width - 1) * (1.0 - zx));
  t.b1 = static_cast<float>(zy);
  t.b2 = static_cast<float>(0.5 * (height - 1) * (1.0 - zy));
  return t;
}

void affine_transform(const float* in, float* out, Index h, Index w, Index c,
                      const AffineTransform& t, const Resampling& r) {
  // Translations and horizontal shears move whole rows (by at most a few image sizes here).
  const float reach = 4.0f * float(std::max(h, w));
  const bool rows_shift = t.a0 == 1.0f && t.b0 == 0.0f && t.b1 == 1.0f && t.c0 == 0.0f &&
                          t.c1 == 0.0f && std::abs(t.a2) + std::abs(t.a1) * float(h) < reach &&
                          std::abs(t.b2) < reach;
  if (rows_shift) {
    detail::shift_rows(in, out, h, w, c, t.a2, t.a1, t.b2, r);
    return;
  }
  if (t.c0 == 0.0f && t.c1 == 0.0f) {
    detail::resample_image(
        in, out, h, w, c,
        [&t](Index x, Index y) {
          return std::pair<float, float>(t.a0 * x + t.a1 * y + t.a2, t.b0 * x + t.b1 * y + t.b2);
        },
        r);
    return;
  }
  detail::resample_image(
      in, out, h, w, c,
      [&t](Index x, Index y) {
        const float k = t.c0 * x + t.c1 * y + 1.0f;
        const float sx = (t.a0 * x + t.a1 * y + t.a2) / k, sy = (t.b0 * x + t.b1 * y + t.b2) / k;
        // Points on or past the horizon (k near 0) land far outside: the fill mode decides.
        constexpr float kFar = 1e7f;
        if (!(std::abs(sx) < kFar && std::abs(sy) < kFar))
          return std::pair<float, float>(-kFar, -kFar);
        return std::pair<float, float>(sx, sy);
      },
      r);
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
