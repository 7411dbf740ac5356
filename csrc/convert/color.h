// YUV -> 8-bit RGB: the one set of formulas for the host converter and the CUDA kernels
// (docs/design.md "Colour"). docs/color.md states them in words; tests/color_reference.py is a NumPy
// twin written from that text. Keep the three in step.
//
// Header-only, compiled for host and device: no FFmpeg, no exceptions, no std library beyond
// <cstdint>. Coefficients are derived with exact integer arithmetic (Kr, Kb as integers over 10000,
// 64-bit rational rounding), so every compiler and the twin get the same integers without relying
// on floating-point evaluation order; the per-pixel path is 32-bit integer multiply-add only.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define ODVD_HD __host__ __device__
#else
#define ODVD_HD
#endif

namespace odvd::color {

enum class Matrix : uint8_t { kBT601 = 1, kBT709 = 2, kBT2020 = 3 };  // BT.2020 = non-constant luminance
enum class Range : uint8_t { kLimited = 1, kFull = 2 };

// Fixed-point scale: coefficients are multipliers times 2^kShift.
constexpr int kShift = 20;

// Integer fixed-point coefficients for one (matrix, range, bit depth). With
// y' = Y - y_offset, u' = U - c_offset, v' = V - c_offset (samples of the stream's bit depth):
//   R = y * y' + v_r * v'
//   G = y * y' - u_g * u' - v_g * v'
//   B = y * y' + u_b * u'
// and each channel is clamp((acc + 2^(kShift-1)) >> kShift, 0, 255).
struct Coefficients {
  int32_t y_offset;  // luma black level
  int32_t c_offset;  // chroma zero level
  int32_t y;         // luma -> R, G, B
  int32_t v_r;       // Cr -> R
  int32_t u_g;       // Cb -> G (subtracted)
  int32_t v_g;       // Cr -> G (subtracted)
  int32_t u_b;       // Cb -> B
};

namespace detail {

// round(num / den) for num >= 0, den > 0, halves away from zero: floor((2 num + den) / (2 den)).
ODVD_HD constexpr int32_t round_ratio(int64_t num, int64_t den) {
  return static_cast<int32_t>((2 * num + den) / (2 * den));
}

ODVD_HD constexpr int32_t clamp_u8(int32_t v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

}  // namespace detail

// Preconditions (callers validate; device code cannot throw): bit_depth is 8, 10 or 12; m and r
// are enumerators. An unknown matrix is treated as BT.709 and an unknown range as limited.
ODVD_HD constexpr Coefficients make_coefficients(Matrix m, Range r, int bit_depth) {
  // Kr and Kb in units of 1/10000 (ITU-R BT.601, BT.709, BT.2020 NCL).
  int64_t kr = 2126, kb = 722;
  if (m == Matrix::kBT601) {
    kr = 2990;
    kb = 1140;
  } else if (m == Matrix::kBT2020) {
    kr = 2627;
    kb = 593;
  }
  const int64_t kg = 10000 - kr - kb;

  // Input code span of Y' 0..1 (ly) and of Cb/Cr -0.5..0.5 (lc), and the zero levels.
  const int64_t scale = int64_t{1} << (bit_depth - 8);
  int64_t ly = 219 * scale, lc = 224 * scale;
  int32_t y_offset = static_cast<int32_t>(16 * scale);
  int32_t c_offset = static_cast<int32_t>(128 * scale);
  if (r == Range::kFull) {
    ly = lc = (int64_t{1} << bit_depth) - 1;
    y_offset = 0;
    c_offset = static_cast<int32_t>(int64_t{1} << (bit_depth - 1));
  }

  // Output 8-bit levels: 255 * textbook value, times 2^kShift.
  const int64_t out = int64_t{255} << kShift;
  Coefficients c{};
  c.y_offset = y_offset;
  c.c_offset = c_offset;
  c.y = detail::round_ratio(out, ly);
  c.v_r = detail::round_ratio(out * 2 * (10000 - kr), 10000 * lc);                  // 2 (1 - Kr)
  c.u_b = detail::round_ratio(out * 2 * (10000 - kb), 10000 * lc);                  // 2 (1 - Kb)
  c.u_g = detail::round_ratio(out * 2 * kb * (10000 - kb), 10000 * kg * lc);        // 2 Kb (1 - Kb) / Kg
  c.v_g = detail::round_ratio(out * 2 * kr * (10000 - kr), 10000 * kg * lc);        // 2 Kr (1 - Kr) / Kg
  return c;
}

// The pieces of yuv_to_rgb, exposed so that a converter can compute the chroma terms once per 2x2
// block and the luma term once per pixel; composing them gives exactly yuv_to_rgb's bytes.
struct ChromaTerms {
  int32_t r, g, b;
};

ODVD_HD inline ChromaTerms chroma_terms(const Coefficients& c, int32_t u, int32_t v) {
  const int32_t du = u - c.c_offset, dv = v - c.c_offset;
  return ChromaTerms{c.v_r * dv, -(c.u_g * du) - c.v_g * dv, c.u_b * du};
}

// Luma term including the rounding half, so a channel is to_u8(luma_term + chroma term).
ODVD_HD inline int32_t luma_term(const Coefficients& c, int32_t y) {
  return c.y * (y - c.y_offset) + (int32_t{1} << (kShift - 1));
}

// Arithmetic shift right is floor division (guaranteed since C++20, and by GCC, Clang and nvcc
// before); negative sums clamp to 0 whichever way they round.
ODVD_HD inline uint8_t to_u8(int32_t acc) { return static_cast<uint8_t>(detail::clamp_u8(acc >> kShift)); }

// Sample i of a row of a native frame: a byte for NV12 (bit_depth 8); for P016 (10, 12) a
// little-endian 16-bit word shifted down to the bit depth, its low (padding) bits dropped. Assembled
// from bytes, so neither alignment nor host byte order matters; compilers make it one load.
ODVD_HD inline int32_t native_sample(const uint8_t* row, int32_t i, int32_t bit_depth) {
  if (bit_depth == 8) return row[i];
  const uint32_t word = uint32_t{row[2 * i]} | (uint32_t{row[2 * i + 1]} << 8);
  return static_cast<int32_t>(word >> (16 - bit_depth));
}

// One pixel. y, u, v are samples of the coefficients' bit depth (0 .. 2^bit_depth - 1).
ODVD_HD inline void yuv_to_rgb(const Coefficients& c, int32_t y, int32_t u, int32_t v, uint8_t* r, uint8_t* g,
                               uint8_t* b) {
  const ChromaTerms t = chroma_terms(c, u, v);
  const int32_t l = luma_term(c, y);
  *r = to_u8(l + t.r);
  *g = to_u8(l + t.g);
  *b = to_u8(l + t.b);
}

}  // namespace odvd::color
