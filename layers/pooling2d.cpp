#include <minidl/layers/pooling2d.hpp>

#include <algorithm>

#include <minidl/core/error.hpp>

namespace minidl {

Pooling2D::Pooling2D(Size2 pool_size, std::optional<Size2> strides, const std::string& padding,
                     const char* type)
    : pool_size_(pool_size),
      strides_(strides.value_or(pool_size)),
      padding_(parse_padding(padding, type)) {
  check_window_args(type, "pool_size", pool_size_, strides_);
}

Shape Pooling2D::build_impl(const Shape& s) {
  check_image_sample(s);
  const auto [rows, cols] = window_2d(label(), s, pool_size_, strides_, padding_, "pool_size");
  h_ = s[0], w_ = s[1], c_ = s[2], oh_ = rows.out, ow_ = cols.out;
  pad_top_ = rows.pad_before, pad_left_ = cols.pad_before;
  return Shape{oh_, ow_, c_};
}

bool Pooling2D::windows_tile_input() const {
  return padding_ == Padding::Valid && strides_.h == pool_size_.h && strides_.w == pool_size_.w &&
         h_ % pool_size_.h == 0 && w_ % pool_size_.w == 0;
}

Pooling2D::Window Pooling2D::window(Index oy, Index ox) const {
  const Index y = oy * strides_.h - pad_top_, x = ox * strides_.w - pad_left_;
  return {std::max<Index>(y, 0), std::min(y + pool_size_.h, h_), std::max<Index>(x, 0),
          std::min(x + pool_size_.w, w_)};
}

Json Pooling2D::get_config() const {
  return {{"pool_size", {pool_size_.h, pool_size_.w}},
          {"strides", {strides_.h, strides_.w}},
          {"padding", padding_name(padding_)},
          {"data_format", "channels_last"}};
}

std::optional<Size2> Pooling2D::strides_of(const LayerConfig& config) {
  if (!config.has("strides")) return std::nullopt;  // Keras: the pool size
  const auto [h, w] = config.pair("strides");
  return Size2(h, w);
}

}  // namespace minidl
