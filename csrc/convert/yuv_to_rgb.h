// Host conversion of a native frame (NV12 / P016, docs/design.md "Native output") to packed 8-bit RGB
// or BGR with the formulas of convert/color.h (docs/color.md).
#pragma once

#include <cstddef>
#include <cstdint>

#include "convert/color_resolve.h"

namespace odvd::color {

// A native 4:2:0 frame in host memory. Pitches are in bytes.
// bit_depth 8: NV12: a uint8 Y plane, then one plane of interleaved U, V: (height + 1) / 2 rows of
//   (width + 1) / 2 U, V pairs (so a chroma row holds 2 * ((width + 1) / 2) samples, one more than
//   width when width is odd).
// bit_depth 10 / 12: P016: the same layout with little-endian uint16 samples whose value sits in the
//   high bits (word = sample << (16 - bit_depth)); the low bits are ignored.
// Planar 4:2:0 (a decoder's yuv420p / yuv420p10le / yuv420p12le planes, converted where they lie):
// chroma_v set; `chroma` is then the U plane and `chroma_v` the V plane, each (height + 1) / 2 rows
// of (width + 1) / 2 samples; 10 / 12-bit samples are little-endian words with the value in the low
// bits (masked to the bit depth, which is what staging them into P016 keeps).
struct NativeView {
  const uint8_t* luma;
  size_t luma_pitch;
  const uint8_t* chroma;
  size_t chroma_pitch;
  int width;
  int height;
  int bit_depth;
  const uint8_t* chroma_v = nullptr;
  size_t chroma_v_pitch = 0;
};

// Writes height rows of width * 3 bytes (R, G, B, or B, G, R when bgr) at out, rows out_pitch bytes
// apart. Chroma is upsampled by nearest neighbour: pixel (x, y) uses chroma pair (x / 2, y / 2).
// Throws std::invalid_argument for a bit depth other than 8, 10, 12, a non-positive size, null
// planes or pitches too small for the width.
void native_to_rgb(const NativeView& in, ColorSpec spec, bool bgr, uint8_t* out, size_t out_pitch);

// One row from per-pixel chroma terms (tr, tg, tb: `width` each, as chroma_terms gives them) and a
// luma row of NV12 / P016 samples: exactly yuv_to_rgb's bytes for those terms, through the same
// vectorised loop as native_to_rgb. The bilinear chroma rows use it (convert/bilinear_rows.cpp).
void terms_to_rgb_row(const Coefficients& c, const uint8_t* luma, int bit_depth, const int32_t* tr,
                      const int32_t* tg, const int32_t* tb, int width, bool bgr, uint8_t* out);

// The instruction set of the row loops of native_to_rgb and terms_to_rgb_row: AVX2 on x86-64 CPUs
// that have it (checked at run time), else the baseline build; ODVD_CONVERT_ISA=baseline forces the
// baseline. Both give the same bytes (tests run each against the NumPy twin).
enum class ConvertIsa { kBaseline, kAvx2 };
ConvertIsa convert_isa();
bool convert_isa_available(ConvertIsa isa);
// Test and benchmark hook: uses `isa` from now on (std::invalid_argument where it is not available);
// returns the previous one.
ConvertIsa set_convert_isa(ConvertIsa isa);
const char* convert_isa_name(ConvertIsa isa);

}  // namespace odvd::color
