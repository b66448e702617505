// detail::resample_image, the sampler of the geometric layers, against the plain per-pixel form of
// affine_transform.hpp's rules: floor taps, each fixed by the fill mode on its own.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <minidl/layers/augment/detail/resample.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

// out(x, y) = the input sampled at position(x, y), one pixel and one tap at a time.
template <class Position>
std::vector<float> reference(const std::vector<float>& in, Index h, Index w, Index c, Index out_h,
                             Index out_w, const Position& position, const Resampling& r) {
  std::vector<float> out(std::size_t(out_h * out_w * c));
  const auto value = [&](Index y, Index x, Index k) {
    // fix_index is the scalar rule, one tap at a time; the sampler's vector loops fix taps their
    // own way (fix_near) and only fall back to it far outside.
    const Index iy = detail::fix_index(y, h, r.fill_mode),
                ix = detail::fix_index(x, w, r.fill_mode);
    return iy < 0 || ix < 0 ? r.fill_value : in[std::size_t((iy * w + ix) * c + k)];
  };
  for (Index y = 0; y < out_h; ++y) {
    for (Index x = 0; x < out_w; ++x) {
      const auto [sx, sy] = position(x, y);
      for (Index k = 0; k < c; ++k) {
        float& o = out[std::size_t((y * out_w + x) * c + k)];
        if (r.interpolation == Interpolation::Nearest) {
          o = value(Index(std::floor(sy + 0.5f)), Index(std::floor(sx + 0.5f)), k);
          continue;
        }
        const Index x0 = Index(std::floor(sx)), y0 = Index(std::floor(sy));
        const float wx = sx - std::floor(sx), wy = sy - std::floor(sy);
        o = (1 - wy) * ((1 - wx) * value(y0, x0, k) + wx * value(y0, x0 + 1, k)) +
            wy * ((1 - wx) * value(y0 + 1, x0, k) + wx * value(y0 + 1, x0 + 1, k));
      }
    }
  }
  return out;
}

// Bilinear blends in another order than the reference: equal up to rounding. Nearest copies.
void check_same(const std::vector<float>& got, const std::vector<float>& expected,
                const Resampling& r) {
  const float tolerance = r.interpolation == Interpolation::Nearest ? 0.0f : 1e-5f;
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!(std::abs(got[i] - expected[i]) <= tolerance) && bad++ < 5) {
      UNSCOPED_INFO("[" << i << "] got " << got[i] << ", expected " << expected[i]);
    }
  }
  CHECK(bad == 0);
}

const FillMode kModes[] = {FillMode::Reflect, FillMode::Wrap, FillMode::Constant,
                           FillMode::Nearest};
const Interpolation kInterpolations[] = {Interpolation::Bilinear, Interpolation::Nearest};

}  // namespace

TEST_CASE("resample equals the per-pixel rules for any positions, sizes and channel counts") {
  // Positions from a table, so that both sides see the same floats: inside, next to the image,
  // beyond one image size (Reflect and Wrap then take their far path), on exact taps and halves
  // (nearest rounds those up), and far away.
  Generator rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const Index h = 1 + Index(rng.below(9)), w = 1 + Index(rng.below(9)),
                c = 1 + Index(rng.below(5));
    const Index out_h = 1 + Index(rng.below(9)), out_w = 1 + Index(rng.below(20));
    std::vector<float> in(std::size_t(h * w * c));
    for (float& v : in) v = rng.uniform();
    std::vector<std::pair<float, float>> positions(std::size_t(out_h * out_w));
    for (auto& [px, py] : positions) {
      const auto draw = [&](Index n) {
        switch (rng.below(5)) {
          case 0:
            return rng.uniform(-0.5f, float(n) - 0.5f);
          case 1:
            return rng.uniform(-float(n) - 2, 2 * float(n) + 1);
          case 2:
            return float(Index(rng.below(std::uint64_t(8 * n + 8))) - 4 * n - 4) / 2;
          case 3:
            return rng.uniform(-5.0f * float(n), 6.0f * float(n));
          default:
            return rng.uniform() < 0.5f ? -1e7f : 1e7f;
        }
      };
      px = draw(w), py = draw(h);
    }
    const auto position = [&](Index x, Index y) { return positions[std::size_t(y * out_w + x)]; };
    for (const FillMode mode : kModes) {
      for (const Interpolation interpolation : kInterpolations) {
        const Resampling r{interpolation, mode, 0.25f};
        INFO("trial " << trial << ", " << h << "x" << w << "x" << c << " to " << out_h << "x"
                      << out_w << ", " << interpolation_name(interpolation) << ", "
                      << fill_mode_name(mode));
        std::vector<float> got(std::size_t(out_h * out_w * c));
        detail::resample_image(in.data(), got.data(), h, w, c, out_h, out_w, position, r);
        check_same(got, reference(in, h, w, c, out_h, out_w, position, r), r);
      }
    }
  }
}

TEST_CASE("affine_transform equals the per-pixel rules, affine and projective") {
  // Coefficients on a 1/64 grid keep every position exact (no rounding, fused or not), so that
  // the library's build and this one agree on them.
  Generator rng(11);
  const auto grid = [&](float low, float high) {
    return std::round(rng.uniform(low, high) * 64) / 64;
  };
  for (int trial = 0; trial < 200; ++trial) {
    const Index n = trial < 180 ? 2 + Index(rng.below(12)) : 224;
    const Index c = trial % 2 ? 3 : 1 + Index(rng.below(5));
    std::vector<float> in(std::size_t(n * n * c));
    for (float& v : in) v = rng.uniform();
    AffineTransform t;
    t.a0 = grid(-1.5f, 1.5f), t.a1 = grid(-1.5f, 1.5f), t.a2 = grid(-2.0f * n, 2.0f * n);
    t.b0 = grid(-1.5f, 1.5f), t.b1 = grid(-1.5f, 1.5f), t.b2 = grid(-2.0f * n, 2.0f * n);
    if (trial % 3 == 0) t.c0 = grid(-0.02f, 0.02f), t.c1 = grid(-0.02f, 0.02f);
    for (const FillMode mode : kModes) {
      for (const Interpolation interpolation : kInterpolations) {
        const Resampling r{interpolation, mode, 0.5f};
        INFO("trial " << trial << ", " << n << "x" << n << "x" << c << ", "
                      << interpolation_name(interpolation) << ", " << fill_mode_name(mode));
        std::vector<float> got(in.size());
        affine_transform(in.data(), got.data(), n, n, c, t, r);
        const auto position = [&t](Index x, Index y) {
          const auto [sx, sy] = map_point(t, float(x), float(y));
          constexpr float kFar = 1e7f;
          if (!(std::abs(sx) < kFar && std::abs(sy) < kFar)) return std::pair(-kFar, -kFar);
          return std::pair(sx, sy);
        };
        check_same(got, reference(in, n, n, c, n, n, position, r), r);
      }
    }
  }
}

TEST_CASE(
    "translations and horizontal shears (their own row-wise path) equal the per-pixel rules") {
  // Shifts and shears on a 1/64 grid, so that every position is exact; whole and half pixels
  // (nearest's ties), within the image and up to three image sizes away; non-square images,
  // tails of every length.
  Generator rng(13);
  for (int trial = 0; trial < 400; ++trial) {
    const Index h = trial < 380 ? 1 + Index(rng.below(12)) : 224;
    const Index w = trial < 380 ? 1 + Index(rng.below(40)) : 160;
    const Index c = 1 + Index(rng.below(5));
    std::vector<float> in(std::size_t(h * w * c));
    for (float& v : in) v = rng.uniform();
    const auto shift = [&](Index n) {
      const float reach = trial % 4 == 0 ? 3.0f * float(n) : 0.5f * float(n);
      const float s = std::round(rng.uniform(-reach, reach) * 64) / 64;
      return trial % 5 == 0 ? std::round(s * 2) / 2 : s;
    };
    AffineTransform t = translation_transform(shift(w), shift(h));
    if (trial % 2) t.a1 = std::round(rng.uniform(-1.0f, 1.0f) * 64) / 64;  // shear
    for (const FillMode mode : kModes) {
      for (const Interpolation interpolation : kInterpolations) {
        const Resampling r{interpolation, mode, 0.5f};
        INFO("trial " << trial << ", " << h << "x" << w << "x" << c << ", shift " << t.a2 << ", "
                      << t.b2 << ", shear " << t.a1 << ", " << interpolation_name(interpolation)
                      << ", " << fill_mode_name(mode));
        std::vector<float> got(in.size());
        affine_transform(in.data(), got.data(), h, w, c, t, r);
        const auto position = [&t](Index x, Index y) {
          return std::pair(float(x) + t.a1 * float(y) + t.a2, float(y) + t.b2);
        };
        check_same(got, reference(in, h, w, c, h, w, position, r), r);
      }
    }
  }
}
