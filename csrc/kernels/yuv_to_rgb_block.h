// The work of one thread of the odvd_yuv_to_rgb kernel: one 2x2 pixel block (one chroma pair) of a
// native frame (NV12 / P016) to packed 8-bit RGB or BGR, with convert/color.h's formulas. Compiled
// for the device (kernels.cu) and for the host, where kernels/host_twin.cpp runs it over a whole
// frame so the tests check the kernel's exact code against the NumPy twin of docs/color.md.
#pragma once

#include <cstdint>

#include "convert/color.h"

namespace odvd::kernels {

// Passed by value to the kernel (cuLaunchKernel copies it): plain fields only. Pitches in bytes.
struct YuvToRgbArgs {
  const uint8_t* luma;
  const uint8_t* chroma;  // (height + 1) / 2 rows of interleaved U, V pairs
  uint8_t* out;           // height rows of width * 3 bytes
  uint64_t luma_pitch;
  uint64_t chroma_pitch;
  uint64_t out_pitch;
  int32_t width;
  int32_t height;
  int32_t bit_depth;  // 8: NV12 bytes; 10 / 12: P016 little-endian words, value in the high bits
  int32_t bgr;        // 0: R, G, B; 1: B, G, R
  color::Coefficients coeff;
};
// The host (g++) and nvcc must agree on the layout the launch copies.
static_assert(sizeof(color::Coefficients) == 28 && sizeof(YuvToRgbArgs) == 96, "YuvToRgbArgs layout changed");

// Block (bx, by) covers pixels x in {2 bx, 2 bx + 1}, y in {2 by, 2 by + 1}, clipped to the frame.
ODVD_HD inline void yuv_to_rgb_block(const YuvToRgbArgs& a, int32_t bx, int32_t by) {
  const int32_t x0 = 2 * bx, y0 = 2 * by;
  if (bx < 0 || by < 0 || x0 >= a.width || y0 >= a.height) return;
  const uint8_t* crow = a.chroma + static_cast<uint64_t>(by) * a.chroma_pitch;
  const color::ChromaTerms t = color::chroma_terms(a.coeff, color::native_sample(crow, 2 * bx, a.bit_depth),
                                                   color::native_sample(crow, 2 * bx + 1, a.bit_depth));
  const int32_t ri = a.bgr ? 2 : 0, bi = a.bgr ? 0 : 2;
  for (int32_t y = y0; y < y0 + 2 && y < a.height; ++y) {
    const uint8_t* lrow = a.luma + static_cast<uint64_t>(y) * a.luma_pitch;
    uint8_t* orow = a.out + static_cast<uint64_t>(y) * a.out_pitch;
    for (int32_t x = x0; x < x0 + 2 && x < a.width; ++x) {
      const int32_t l = color::luma_term(a.coeff, color::native_sample(lrow, x, a.bit_depth));
      orow[3 * x + ri] = color::to_u8(l + t.r);
      orow[3 * x + 1] = color::to_u8(l + t.g);
      orow[3 * x + bi] = color::to_u8(l + t.b);
    }
  }
}

// The launch shape the host uses: 2D blocks of kBlockX x kBlockY threads, one thread per 2x2 block.
constexpr int32_t kBlockX = 32;
constexpr int32_t kBlockY = 8;

}  // namespace odvd::kernels
