// RGB (8-bit, full range) to 4:2:0 Y'CbCr BT.709 limited range, the writer's conversion
// (docs/writer.md has the formulas; tests/test_writer.py checks them against a NumPy twin through a
// lossless encode). Fixed point with 16 fractional bits, rounded; chroma is the mean of each 2x2
// block's Cb / Cr (centre-sited). Width and height even.
#pragma once

#include <cstddef>
#include <cstdint>

namespace odvd::encode {

// `rgb`: height rows of width * 3 bytes, `rgb_stride` bytes apart. Planes: y (width x height),
// u and v (width/2 x height/2), with their strides.
void rgb_to_yuv420_bt709(const uint8_t* rgb, ptrdiff_t rgb_stride, int width, int height, uint8_t* y,
                         ptrdiff_t y_stride, uint8_t* u, ptrdiff_t u_stride, uint8_t* v, ptrdiff_t v_stride);

}  // namespace odvd::encode
