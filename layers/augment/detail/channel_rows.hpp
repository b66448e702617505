// Per-channel work on interleaved (H,W,C) images, row by row: a row is W*C floats whose element j
// belongs to channel j % C. Statistics accumulate into one row-sized vector (element j of every
// row into slot j) and per-channel constants are spread over one row, so that every inner loop
// runs over contiguous floats with the same operation, which compilers vectorise for any C; the
// loops over pixels and then channels stay scalar.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include <minidl/core/shape.hpp>

namespace minidl::detail {

// The sum of each channel, accumulated in float per column and in double across columns.
inline std::vector<double> channel_sums(const float* in, Index h, Index w, Index c) {
  const Index row = w * c;
  std::vector<float> columns(std::size_t(row), 0.0f);
  for (Index y = 0; y < h; ++y) {
    const float* src = in + y * row;
    for (Index j = 0; j < row; ++j) columns[std::size_t(j)] += src[j];
  }
  std::vector<double> sums(std::size_t(c), 0.0);
  for (Index j = 0; j < row; ++j) sums[std::size_t(j % c)] += columns[std::size_t(j)];
  return sums;
}

// The smallest and largest value of each channel.
inline void channel_min_max(const float* in, Index h, Index w, Index c, std::vector<float>& low,
                            std::vector<float>& high) {
  const Index row = w * c;
  std::vector<float> lo(std::size_t(row), std::numeric_limits<float>::max());
  std::vector<float> hi(std::size_t(row), std::numeric_limits<float>::lowest());
  for (Index y = 0; y < h; ++y) {
    const float* src = in + y * row;
    for (Index j = 0; j < row; ++j) {
      const float v = src[j];
      lo[std::size_t(j)] = v < lo[std::size_t(j)] ? v : lo[std::size_t(j)];
      hi[std::size_t(j)] = v > hi[std::size_t(j)] ? v : hi[std::size_t(j)];
    }
  }
  low.assign(std::size_t(c), std::numeric_limits<float>::max());
  high.assign(std::size_t(c), std::numeric_limits<float>::lowest());
  for (Index j = 0; j < row; ++j) {
    low[std::size_t(j % c)] = std::min(low[std::size_t(j % c)], lo[std::size_t(j)]);
    high[std::size_t(j % c)] = std::max(high[std::size_t(j % c)], hi[std::size_t(j)]);
  }
}

// One row of W pixels whose channel k holds per_channel[k].
inline std::vector<float> spread_over_row(const std::vector<float>& per_channel, Index w) {
  const Index c = Index(per_channel.size());
  std::vector<float> row(std::size_t(w * c));
  for (Index j = 0; j < w * c; ++j) row[std::size_t(j)] = per_channel[std::size_t(j % c)];
  return row;
}

}  // namespace minidl::detail
