#include <minidl/layers/augment/random_flip.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>

namespace minidl {

void flip_image(const float* in, float* out, Index h, Index w, Index c, bool horizontal,
                bool vertical) {
  for (Index y = 0; y < h; ++y) {
    const float* src_row = in + (vertical ? h - 1 - y : y) * w * c;
    float* dst_row = out + y * w * c;
    if (!horizontal) {
      std::copy(src_row, src_row + w * c, dst_row);
      continue;
    }
    // An element loop: a copy call per pixel (a few floats) costs more than the copy.
    for (Index x = 0; x < w; ++x) {
      const float* src = src_row + (w - 1 - x) * c;
      for (Index k = 0; k < c; ++k) dst_row[x * c + k] = src[k];
    }
  }
}

RandomFlip::RandomFlip(const std::string& mode, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed),
      horizontal_(mode == "horizontal" || mode == "horizontal_and_vertical"),
      vertical_(mode == "vertical" || mode == "horizontal_and_vertical") {
  if (!horizontal_ && !vertical_) {
    throw Error("RandomFlip: unknown mode '" + mode +
                "', expected 'horizontal', 'vertical' or 'horizontal_and_vertical'");
  }
}

void RandomFlip::draw(Index n, const SampleStreams& streams) {
  flips_.resize(n);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    flips_[i].horizontal = horizontal_ && rng.uniform() < 0.5f;
    flips_[i].vertical = vertical_ && rng.uniform() < 0.5f;
  }
}

void RandomFlip::transform(Index i, const float* in, float* out) const {
  flip_image(in, out, height(), width(), channels(), flips_[i].horizontal, flips_[i].vertical);
}

void RandomFlip::transform_mask(Index i, const float* in, float* out, float) const {
  flip_image(in, out, height(), width(), 1, flips_[i].horizontal, flips_[i].vertical);
}

void RandomFlip::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  const float w = float(width()), h = float(height());
  for (auto& b : boxes) {
    if (flips_[i].horizontal) b = {w - b[2], b[1], w - b[0], b[3]};
    if (flips_[i].vertical) b = {b[0], h - b[3], b[2], h - b[1]};
  }
}

Json RandomFlip::get_config() const {
  return {{"mode", horizontal_ && vertical_ ? "horizontal_and_vertical"
                   : horizontal_            ? "horizontal"
                                            : "vertical"}};
}

RandomFlip RandomFlip::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return RandomFlip(config.string("mode", "horizontal_and_vertical"), config.seed());
}

}  // namespace minidl
