#include "convert/bilinear_rows.h"

namespace odvd::color {

BilinearRows::BilinearRows(const ResizeConvertArgs& a) : a_(a) {
  const int32_t chroma_width = (a.src_width + 1) / 2;
  x_taps_.resize(static_cast<size_t>(a.src_width));
  for (int32_t x = 0; x < a.src_width; ++x) x_taps_[size_t(x)] = chroma_tap(x, a.chroma_dx, chroma_width);
  u4_.resize(static_cast<size_t>(chroma_width));
  v4_.resize(static_cast<size_t>(chroma_width));
}

void BilinearRows::row(int32_t y, uint8_t* out) {
  const ResizeConvertArgs& a = a_;
  const int32_t chroma_width = (a.src_width + 1) / 2;
  const ChromaTap ty = chroma_tap(y, a.chroma_dy, (a.src_height + 1) / 2);
  const uint8_t* r0 = a.chroma + uint64_t(ty.i0) * a.chroma_pitch;
  const uint8_t* r1 = a.chroma + uint64_t(ty.i1) * a.chroma_pitch;
  for (int32_t i = 0; i < chroma_width; ++i) {
    u4_[size_t(i)] = ty.w0 * native_sample(r0, 2 * i, a.bit_depth) + ty.w1 * native_sample(r1, 2 * i, a.bit_depth);
    v4_[size_t(i)] =
        ty.w0 * native_sample(r0, 2 * i + 1, a.bit_depth) + ty.w1 * native_sample(r1, 2 * i + 1, a.bit_depth);
  }
  const Coefficients& c = a.coeff;
  const int32_t zero16 = 16 * c.c_offset;
  const uint8_t* luma = a.luma + uint64_t(y) * a.luma_pitch;
  const int r = a.bgr ? 2 : 0, b = a.bgr ? 0 : 2;
  for (int32_t x = 0; x < a.src_width; ++x) {
    const ChromaTap& t = x_taps_[size_t(x)];
    const int64_t du = t.w0 * u4_[size_t(t.i0)] + t.w1 * u4_[size_t(t.i1)] - zero16;
    const int64_t dv = t.w0 * v4_[size_t(t.i0)] + t.w1 * v4_[size_t(t.i1)] - zero16;
    const int32_t l = luma_term(c, native_sample(luma, x, a.bit_depth));
    out[3 * x + r] = to_u8(l + sixteenths_term(c.v_r * dv));
    out[3 * x + 1] = to_u8(l + sixteenths_term(-c.u_g * du - c.v_g * dv));
    out[3 * x + b] = to_u8(l + sixteenths_term(c.u_b * du));
  }
}

}  // namespace odvd::color
