#include <minidl/data/synthetic.hpp>

#include <cmath>

#include <minidl/core/error.hpp>
#include <minidl/core/generator.hpp>

namespace minidl {

LabelledData make_spirals(Index n_per_class, float noise, std::uint64_t seed) {
  if (n_per_class < 1) {
    throw Error("make_spirals: n_per_class must be >= 1, got " + std::to_string(n_per_class));
  }
  constexpr double kTurns = 1.75;
  Generator rng(seed);
  LabelledData d{Tensor(Shape{2 * n_per_class, 2}), Tensor(Shape{2 * n_per_class})};
  for (Index i = 0; i < 2 * n_per_class; ++i) {
    const int label = static_cast<int>(i % 2);
    // sqrt spreads the points evenly along the arm instead of crowding the centre.
    const double r = std::sqrt(rng.uniform_double());
    const double angle = r * kTurns * 2.0 * M_PI + label * M_PI;
    d.x[2 * i] = static_cast<float>(r * std::cos(angle)) + rng.normal(0.0f, noise);
    d.x[2 * i + 1] = static_cast<float>(r * std::sin(angle)) + rng.normal(0.0f, noise);
    d.y[i] = static_cast<float>(label);
  }
  return d;
}

}  // namespace minidl
