// Native frame (NV12 / P016) -> RGB or BGR at any output size, HWC or CHW, uint8 or normalised
// float32: the per-output-pixel code of the conversion with options (docs/color.md section 7).
// Header-only and compiled for host and device: the CPU backend runs it over a frame
// (frames/frame_convert.cpp), the odvd_resize_convert kernel runs it one thread per output pixel
// (kernels/kernels.cu), and kernels/host_twin.cpp runs the kernel's launch grid on the host.
//
// Everything up to the last step is integer arithmetic: source pixels are converted with
// convert/color.h's formulas (so an unresized uint8 output is byte-identical to the plain RGB
// path), bilinear weights are fixed-point. float32 output is one fmaf of an exact integer, which
// IEEE 754 defines to the bit on host and device alike.
#pragma once

#include <math.h>

#include <cstdint>

#include "convert/chroma_upsample.h"
#include "convert/color.h"

namespace odvd::color {

// Bilinear weights are multiples of 1 / 2^kWeightBits.
constexpr int32_t kWeightBits = 11;
constexpr int32_t kWeightOne = int32_t{1} << kWeightBits;
// An interpolated channel is an 8-bit level times 2^kLevelShift (the two weights' scales).
constexpr int32_t kLevelShift = 2 * kWeightBits;

// Output coordinate o of n_out along an axis whose source has n_in samples reads
// src[i0] * (kWeightOne - w) + src[i1] * w, all over kWeightOne.
struct AxisTap {
  int32_t i0;
  int32_t i1;
  int32_t w;
};

// Half-pixel centres (torch's align_corners=False, OpenCV's INTER_LINEAR): the source position of o
// is (o + 1/2) n_in / n_out - 1/2, taken in units of 1 / 2^kWeightBits rounded down, clamped to
// 0 .. n_in - 1 (the edge sample repeats). An axis of the source's own size maps o to o exactly.
ODVD_HD inline AxisTap axis_tap(int32_t o, int32_t n_out, int32_t n_in) {
  if (n_out == n_in) return AxisTap{o, o, 0};
  int64_t s = ((2 * int64_t{o} + 1) * n_in * kWeightOne) / (2 * int64_t{n_out}) - kWeightOne / 2;
  if (s < 0) s = 0;
  const int32_t i0 = static_cast<int32_t>(s >> kWeightBits);
  if (i0 >= n_in - 1) return AxisTap{n_in - 1, n_in - 1, 0};
  return AxisTap{i0, i0 + 1, static_cast<int32_t>(s & (kWeightOne - 1))};
}

// Passed by value to the kernel: plain fields only. Pitches in bytes.
struct ResizeConvertArgs {
  const uint8_t* luma;
  const uint8_t* chroma;     // (src_height + 1) / 2 rows of interleaved U, V pairs
  uint8_t* out;
  uint64_t luma_pitch;
  uint64_t chroma_pitch;
  uint64_t out_row_pitch;    // bytes from one output row to the next
  uint64_t out_plane_pitch;  // CHW: bytes from one channel plane to the next (unused for HWC)
  int32_t src_width;
  int32_t src_height;
  int32_t out_width;
  int32_t out_height;
  int32_t bit_depth;  // 8: NV12 bytes; 10 / 12: P016 words, value in the high bits
  int32_t bgr;        // output channel order: 0 R, G, B; 1 B, G, R
  int32_t planar;     // 0 HWC, 1 CHW
  int32_t float32;    // 0 uint8; 1 float32 = fmaf(level * 2^kLevelShift, scale[c], bias[c])
  float scale[3];     // per output channel (in output order)
  float bias[3];
  Coefficients coeff;
  int32_t chroma_bilinear;  // 0: nearest chroma (pair (x / 2, y / 2)); 1: bilinear (convert/chroma_upsample.h)
  int32_t chroma_dx;        // bilinear: siting offsets of the stream's ChromaSiting (siting_dx, siting_dy)
  int32_t chroma_dy;
  int32_t source_rgb;  // 0: a native frame (luma, chroma); 1 / 2: packed 8-bit R, G, B / B, G, R rows at luma
};
// The host (g++) and nvcc must agree on the layout the launch copies.
static_assert(sizeof(ResizeConvertArgs) == 160, "ResizeConvertArgs layout changed");

// The chroma terms of source pixel (x, y): its pair (x / 2, y / 2), or bilinear from the four
// nearest pairs with the stream's siting.
ODVD_HD inline ChromaTerms source_chroma(const ResizeConvertArgs& a, int32_t x, int32_t y) {
  if (a.chroma_bilinear) {
    return bilinear_chroma_terms(a.coeff, a.chroma, a.chroma_pitch, (a.src_width + 1) / 2, (a.src_height + 1) / 2,
                                 a.bit_depth, a.chroma_dx, a.chroma_dy, x, y);
  }
  const uint8_t* crow = a.chroma + static_cast<uint64_t>(y / 2) * a.chroma_pitch;
  const int32_t pair = 2 * (x / 2);
  return chroma_terms(a.coeff, native_sample(crow, pair, a.bit_depth), native_sample(crow, pair + 1, a.bit_depth));
}

// 8-bit R, G, B of source pixel (x, y): luma (x, y) and source_chroma, color.h formulas; or, for a
// packed RGB source (a decoded image), its levels.
ODVD_HD inline void source_rgb(const ResizeConvertArgs& a, int32_t x, int32_t y, int32_t rgb[3]) {
  const uint8_t* lrow = a.luma + static_cast<uint64_t>(y) * a.luma_pitch;
  if (a.source_rgb) {
    const uint8_t* p = lrow + 3 * x;
    rgb[0] = p[a.source_rgb == 2 ? 2 : 0];
    rgb[1] = p[1];
    rgb[2] = p[a.source_rgb == 2 ? 0 : 2];
    return;
  }
  const ChromaTerms t = source_chroma(a, x, y);
  const int32_t l = luma_term(a.coeff, native_sample(lrow, x, a.bit_depth));
  rgb[0] = to_u8(l + t.r);
  rgb[1] = to_u8(l + t.g);
  rgb[2] = to_u8(l + t.b);
}

// Adds source pixel (x, y) with weight `weight` (0 skips it: the sum is the same) to acc.
ODVD_HD inline void add_tap(const ResizeConvertArgs& a, int32_t x, int32_t y, int32_t weight, int32_t acc[3]) {
  if (weight == 0) return;
  int32_t p[3];
  source_rgb(a, x, y, p);
  for (int c = 0; c < 3; ++c) acc[c] += p[c] * weight;
}

// Output pixel (ox, oy). Each channel is sum(level * wx * wy) over the four taps: an 8-bit level
// times 2^kLevelShift, at most 255 * 2^22 (fits int32). uint8 output rounds it half up; float32
// output is fmaf(float(acc), scale, bias), i.e. (level / 255 - mean) / std with the host's scale
// and bias (frames/frame_convert.cpp).
ODVD_HD inline void resize_convert_pixel(const ResizeConvertArgs& a, int32_t ox, int32_t oy) {
  if (ox < 0 || oy < 0 || ox >= a.out_width || oy >= a.out_height) return;
  const AxisTap tx = axis_tap(ox, a.out_width, a.src_width);
  const AxisTap ty = axis_tap(oy, a.out_height, a.src_height);
  int32_t acc[3] = {0, 0, 0};
  add_tap(a, tx.i0, ty.i0, (kWeightOne - tx.w) * (kWeightOne - ty.w), acc);
  add_tap(a, tx.i1, ty.i0, tx.w * (kWeightOne - ty.w), acc);
  add_tap(a, tx.i0, ty.i1, (kWeightOne - tx.w) * ty.w, acc);
  add_tap(a, tx.i1, ty.i1, tx.w * ty.w, acc);
  const int32_t elem = a.float32 ? 4 : 1;
  uint8_t* base = a.out + static_cast<uint64_t>(oy) * a.out_row_pitch;
  for (int32_t c = 0; c < 3; ++c) {
    const int32_t oc = a.bgr ? 2 - c : c;  // output channel of source channel c
    uint8_t* p = a.planar ? base + static_cast<uint64_t>(oc) * a.out_plane_pitch + static_cast<uint64_t>(ox) * elem
                          : base + (static_cast<uint64_t>(ox) * 3 + oc) * elem;
    if (a.float32) {
      *reinterpret_cast<float*>(p) = fmaf(static_cast<float>(acc[c]), a.scale[oc], a.bias[oc]);
    } else {
      *p = static_cast<uint8_t>((acc[c] + (int32_t{1} << (kLevelShift - 1))) >> kLevelShift);
    }
  }
}

// The launch shape: 2D blocks of kResizeBlockX x kResizeBlockY threads, one thread per output pixel.
constexpr int32_t kResizeBlockX = 32;
constexpr int32_t kResizeBlockY = 8;

}  // namespace odvd::color
