// Host rows of RGB with bilinear chroma at the frame's own size (chroma_upsampling="bilinear" without
// a resize): the same integers as convert/chroma_upsample.h's per-pixel bilinear_chroma_terms, computed
// a row at a time. Chroma rows are blended vertically once per output row; the horizontal taps of
// pixels 2k and 2k + 1 are fixed by the siting (chroma_tap's weights, written out per parity); each
// term's rounding is done in 32 bits (term1 / term2 in the .cpp); the luma and packing loop is the plain
// converter's (terms_to_rgb_row), so the compiler vectorises the same code.
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
  int32_t chroma_width_;
  // The current row's vertically blended chroma in 1/4 of a sample, with one repeated edge sample
  // on each side: index i + 1 holds chroma column i.
  std::vector<int32_t> u4_, v4_;
  std::vector<int32_t> tr_, tg_, tb_;  // per-pixel chroma terms of the row
};

}  // namespace odvd::color
