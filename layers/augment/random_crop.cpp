#include <minidl/layers/augment/random_crop.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>
#include <minidl/layers/conv_geometry.hpp>

namespace minidl {

void check_crop_fits(const std::string& owner, const Shape& s, Index crop_h, Index crop_w) {
  if (crop_h > s[0] || crop_w > s[1]) {
    throw Error(owner + ": crop " + Size2(crop_h, crop_w).str() + " is larger than the images " +
                s.str_batched());
  }
}

void crop_image(const float* in, float* out, Index width, Index channels, Index top, Index left,
                Index crop_h, Index crop_w) {
  const Index row = crop_w * channels;
  for (Index y = 0; y < crop_h; ++y) {
    const float* src = in + ((top + y) * width + left) * channels;
    std::copy(src, src + row, out + y * row);
  }
}

void uncrop_gradient(const float* d_out, float* d_in, Index width, Index channels, Index top,
                     Index left, Index crop_h, Index crop_w) {
  const Index row = crop_w * channels;
  for (Index y = 0; y < crop_h; ++y) {
    float* dst = d_in + ((top + y) * width + left) * channels;
    const float* src = d_out + y * row;
    for (Index i = 0; i < row; ++i) dst[i] += src[i];
  }
}

RandomCrop::RandomCrop(Index height, Index width, std::optional<std::uint64_t> seed)
    : AugmentationLayer(seed), crop_h_(height), crop_w_(width) {
  if (height < 1 || width < 1) {
    throw Error("RandomCrop: height and width must be >= 1, got (" + std::to_string(height) + "," +
                std::to_string(width) + ")");
  }
}

Shape RandomCrop::build_impl(const Shape& s) {
  AugmentationLayer::build_impl(s);
  check_crop_fits(label(), s, crop_h_, crop_w_);
  return Shape{crop_h_, crop_w_, s[2]};
}

void RandomCrop::draw(Index n, const SampleStreams& streams) {
  offsets_.resize(n);
  for (Index i = 0; i < n; ++i) {
    Generator rng = streams(i);
    offsets_[i].first = static_cast<Index>(rng.below(height() - crop_h_ + 1));
    offsets_[i].second = static_cast<Index>(rng.below(width() - crop_w_ + 1));
  }
}

void RandomCrop::transform(Index i, const float* in, float* out) const {
  crop_image(in, out, width(), channels(), offsets_[i].first, offsets_[i].second, crop_h_, crop_w_);
}

void RandomCrop::transform_mask(Index i, const float* in, float* out, float) const {
  crop_image(in, out, width(), 1, offsets_[i].first, offsets_[i].second, crop_h_, crop_w_);
}

void RandomCrop::transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const {
  const auto top = float(offsets_[i].first), left = float(offsets_[i].second);
  for (auto& b : boxes) b = {b[0] - left, b[1] - top, b[2] - left, b[3] - top};
}

void RandomCrop::prepare_inference(Index n) {
  offsets_.assign(std::size_t(n), {(height() - crop_h_) / 2, (width() - crop_w_) / 2});
}

Tensor RandomCrop::forward(const Tensor& x, bool training) {
  check_input(x);
  const Index n = x.dim(0);
  if (training) {
    draw(n, next_sample_streams());
    return transform_batch(x);
  }
  // The centre, written without touching offsets_ (training's draws): predict calls from several
  // threads share no state.
  Tensor y(output_shape().with_batch(n));
  const Index in_size = height() * width() * channels(), out_size = crop_h_ * crop_w_ * channels();
  const Index top = (height() - crop_h_) / 2, left = (width() - crop_w_) / 2;
  for (Index i = 0; i < n; ++i) {
    crop_image(x.data() + i * in_size, y.data() + i * out_size, width(), channels(), top, left,
               crop_h_, crop_w_);
  }
  return y;
}

Tensor RandomCrop::backward(const Tensor& dy) {
  // The crop's adjoint: the gradient goes back to the cropped window, zeros elsewhere.
  check_backward(offsets_.empty() ? -1 : static_cast<Index>(offsets_.size()), dy);
  const Index n = dy.dim(0), in_size = height() * width() * channels();
  const Index out_size = crop_h_ * crop_w_ * channels();
  Tensor dx = Tensor::zeros(input_shape().with_batch(n));
  for (Index i = 0; i < n; ++i) {
    uncrop_gradient(dy.data() + i * out_size, dx.data() + i * in_size, width(), channels(),
                    offsets_[i].first, offsets_[i].second, crop_h_, crop_w_);
  }
  return dx;
}

Json RandomCrop::get_config() const {
  return {{"height", crop_h_}, {"width", crop_w_}};
}

RandomCrop RandomCrop::from_config(const LayerConfig& config) {
  require_channels_last(config);
  return RandomCrop(config.integer("height"), config.integer("width"), config.seed());
}

}  // namespace minidl
