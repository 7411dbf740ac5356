#include "encode/rgb_to_yuv.h"

namespace odvd::encode {
namespace {

// BT.709: Kr = 0.2126, Kb = 0.0722. Limited range: Y' = 16 + 219 E'y, Cb/Cr = 128 + 224 E'pb/pr, from
// 8-bit full-range R'G'B' (E = value / 255). Coefficients times 2^16, rounded (docs/writer.md).
// Each chroma row sums to 0 (a grey pixel has Cb = Cr = 128): kUg is -22189 rounded toward that.
constexpr int64_t kYr = 11966, kYg = 40254, kYb = 4064;     // 219/255 * (Kr, Kg, Kb) * 2^16
constexpr int64_t kUr = -6596, kUg = -22188, kUb = 28784;   // 224/255 * (-Kr, -Kg, 1-Kb) / (2 (1-Kb)) * 2^16
constexpr int64_t kVr = 28784, kVg = -26145, kVb = -2639;   // 224/255 * (1-Kr, -Kg, -Kb) / (2 (1-Kr)) * 2^16
constexpr int64_t kHalf = int64_t{1} << 15;

inline uint8_t clamp8(int64_t v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

}  // namespace

void rgb_to_yuv420_bt709(const uint8_t* rgb, ptrdiff_t rgb_stride, int width, int height, uint8_t* y,
                         ptrdiff_t y_stride, uint8_t* u, ptrdiff_t u_stride, uint8_t* v, ptrdiff_t v_stride) {
  for (int row = 0; row < height; row += 2) {
    const uint8_t* p0 = rgb + row * rgb_stride;
    const uint8_t* p1 = p0 + rgb_stride;
    uint8_t* y0 = y + row * y_stride;
    uint8_t* y1 = y0 + y_stride;
    uint8_t* uo = u + (row / 2) * u_stride;
    uint8_t* vo = v + (row / 2) * v_stride;
    for (int col = 0; col < width; col += 2) {
      int64_t su = 0, sv = 0;  // four pixels' Cb and Cr, times 2^16, before the offset
      for (int k = 0; k < 4; ++k) {
        const uint8_t* px = (k < 2 ? p0 : p1) + 3 * (col + (k & 1));
        const int64_t r = px[0], g = px[1], b = px[2];
        (k < 2 ? y0 : y1)[col + (k & 1)] = clamp8(((16 << 16) + kYr * r + kYg * g + kYb * b + kHalf) >> 16);
        su += kUr * r + kUg * g + kUb * b;
        sv += kVr * r + kVg * g + kVb * b;
      }
      // The mean of four, rounded: (sum + 2^17) >> 18.
      uo[col / 2] = clamp8(128 + ((su + (int64_t{1} << 17)) >> 18));
      vo[col / 2] = clamp8(128 + ((sv + (int64_t{1} << 17)) >> 18));
    }
  }
}

}  // namespace odvd::encode
