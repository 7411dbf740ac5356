// Bilinear 4:2:0 chroma upsampling with the stream's chroma siting: the output option
// chroma_upsampling="bilinear" (docs/color.md section 8). Header-only and compiled for host and device,
// like convert/color.h, whose chroma terms it feeds: the host converter (frames/frame_convert.cpp)
// and the odvd_resize_convert kernel both call bilinear_chroma_terms, and tests/color_reference.py
// is a NumPy twin written from the document.
//
// Exact integer arithmetic throughout: every weight is a multiple of 1/4 per axis, so the
// interpolated chroma is an integer in units of 1/16 of a sample, and its term of the colour formula
// is rounded once, at 2^-kShift of an output level.
#pragma once

#include <cstdint>

#include "convert/color.h"

namespace odvd::color {

// Where a chroma sample sits relative to the luma grid: FFmpeg's AVChromaLocation values (H.273
// chroma_sample_loc_type + 1), so a stream's tag converts by value.
enum class ChromaSiting : int32_t {
  kLeft = 1,        // horizontally on the even luma column, vertically midway (MPEG-2, H.264, HEVC default)
  kCenter = 2,      // midway both ways (MPEG-1, JPEG)
  kTopLeft = 3,     // on the even luma column and the even luma row (4:2:0 DV, AV1 "colocated")
  kTop = 4,         // midway horizontally, on the even row
  kBottomLeft = 5,  // on the even column, on the odd row
  kBottom = 6,      // midway horizontally, on the odd row
};

// A tag (AVChromaLocation) -> the siting used: the tag where it names one, else left, the default
// of MPEG-2, H.264 and HEVC (their VUI's chroma_sample_loc_type 0) that FFmpeg 7's scaler assumes too.
ODVD_HD constexpr ChromaSiting resolve_siting(int av_chroma_location) {
  return (av_chroma_location >= 1 && av_chroma_location <= 6) ? static_cast<ChromaSiting>(av_chroma_location)
                                                              : ChromaSiting::kLeft;
}

// Offset of chroma sample 0 from luma sample 0 in half luma samples: horizontally 0 or 1 (midway),
// vertically 0 (top), 1 (midway) or 2 (on the odd row).
ODVD_HD constexpr int32_t siting_dx(ChromaSiting s) {
  return (s == ChromaSiting::kCenter || s == ChromaSiting::kTop || s == ChromaSiting::kBottom) ? 1 : 0;
}
ODVD_HD constexpr int32_t siting_dy(ChromaSiting s) {
  return (s == ChromaSiting::kTopLeft || s == ChromaSiting::kTop)       ? 0
         : (s == ChromaSiting::kBottomLeft || s == ChromaSiting::kBottom) ? 2
                                                                            : 1;
}

// The two chroma samples that luma position p (column or row) reads along one axis, and their weights
// in quarters (w0 + w1 = 4). Chroma sample i sits at luma position 2 i + offset / 2, so p is at chroma
// position (2 p - offset) / 4: q = 2 p - offset in quarters, i0 = floor(q / 4), w1 = q - 4 i0.
// Indices outside 0 .. n - 1 are clamped (the edge sample repeats).
struct ChromaTap {
  int32_t i0, i1, w0, w1;
};

ODVD_HD inline ChromaTap chroma_tap(int32_t p, int32_t offset, int32_t n) {
  const int32_t q = 2 * p - offset;                  // >= -2
  const int32_t i0 = q >= 0 ? q / 4 : -((3 - q) / 4);  // floor(q / 4)
  const int32_t w1 = q - 4 * i0;
  const int32_t last = n - 1;
  const int32_t a = i0 < 0 ? 0 : (i0 > last ? last : i0);
  const int32_t b = i0 + 1 < 0 ? 0 : (i0 + 1 > last ? last : i0 + 1);
  return ChromaTap{a, b, 4 - w1, w1};
}

// A chroma term from its exact value in 1/16 units, x = sum of coefficient * (s16 - 16 c_offset) over
// the channel's chroma inputs (s16 an interpolated sample in 1/16 units), rounded half up at 2^-kShift
// of a level: floor((x + 8) / 16), in 64 bits (x can exceed 32). For whole samples (s16 = 16 s) this is
// exactly chroma_terms' sum of coefficient * (s - c_offset).
ODVD_HD inline int32_t sixteenths_term(int64_t x) { return static_cast<int32_t>((x + 8) >> 4); }

// Chroma terms (convert/color.h ChromaTerms) of pixel (x, y) with bilinear chroma. `chroma` is the
// interleaved U, V plane of a native frame (rows `pitch` bytes apart, `width` x `height` chroma
// pairs, samples as native_sample reads them); dx, dy the siting offsets above.
ODVD_HD inline ChromaTerms bilinear_chroma_terms(const Coefficients& c, const uint8_t* chroma, uint64_t pitch,
                                                 int32_t width, int32_t height, int32_t bit_depth, int32_t dx,
                                                 int32_t dy, int32_t x, int32_t y) {
  const ChromaTap tx = chroma_tap(x, dx, width);
  const ChromaTap ty = chroma_tap(y, dy, height);
  const uint8_t* r0 = chroma + static_cast<uint64_t>(ty.i0) * pitch;
  const uint8_t* r1 = chroma + static_cast<uint64_t>(ty.i1) * pitch;
  int32_t u = 0, v = 0;  // in 1/16 of a sample
  const int32_t w[4] = {tx.w0 * ty.w0, tx.w1 * ty.w0, tx.w0 * ty.w1, tx.w1 * ty.w1};
  const uint8_t* rows[4] = {r0, r0, r1, r1};
  const int32_t cols[4] = {tx.i0, tx.i1, tx.i0, tx.i1};
  for (int k = 0; k < 4; ++k) {
    u += w[k] * native_sample(rows[k], 2 * cols[k], bit_depth);
    v += w[k] * native_sample(rows[k], 2 * cols[k] + 1, bit_depth);
  }
  const int32_t du = u - 16 * c.c_offset, dv = v - 16 * c.c_offset;
  return ChromaTerms{sixteenths_term(int64_t{c.v_r} * dv),
                     sixteenths_term(-int64_t{c.u_g} * du - int64_t{c.v_g} * dv),
                     sixteenths_term(int64_t{c.u_b} * du)};
}

}  // namespace odvd::color
