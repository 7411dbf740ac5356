// Host rows of RGB with bilinear chroma at the frame's own size (chroma_upsampling="bilinear" without
// a resize): the same integers as convert/chroma_upsample.h's per-pixel bilinear_chroma_terms, computed
// a row at a time (chroma rows blended vertically once per output row, then horizontally per pixel).
#pragma once

#include <cstdint>
#include <vector>

#include "convert/chroma_upsample.h"
#include "convert/resize_convert.h"

namespace odvd::color {

class BilinearRows {
 public:
  // `a` describes the source frame (planes, size, bit depth, coefficients, siting offsets).
  explicit BilinearRows(const ResizeConvertArgs& a);
  // Row y as packed 8-bit R, G, B (or B, G, R with a.bgr): 3 * a.src_width bytes at out.
  void row(int32_t y, uint8_t* out);

 private:
  const ResizeConvertArgs& a_;
  std::vector<ChromaTap> x_taps_;  // per output column
  std::vector<int32_t> u4_, v4_;   // the current row's vertically blended chroma, in 1/4 of a sample
};

}  // namespace odvd::color
