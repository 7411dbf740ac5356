#include "convert/bilinear_rows.h"

#include "convert/yuv_to_rgb.h"

namespace odvd::color {
namespace {

// floor((c * d16 + 8) / 16) in 32 bits: with d16 = 16 q + r (q = d16 >> 4, r = d16 & 15),
// c * d16 + 8 = 16 c q + (c r + 8), so the result is c q + ((c r + 8) >> 4), exactly; c q is the
// size of a nearest-chroma term and c r < 16 c, so nothing overflows.
inline int32_t term1(int32_t c, int32_t q, int32_t r) { return c * q + ((c * r + 8) >> 4); }
// The same for -(c1 * d1 + c2 * d2), one rounding of the sum (G).
inline int32_t term2(int32_t c1, int32_t q1, int32_t r1, int32_t c2, int32_t q2, int32_t r2) {
  return -(c1 * q1) - c2 * q2 + ((-(c1 * r1) - c2 * r2 + 8) >> 4);
}

template <int kDepth>
void blend_rows(const uint8_t* r0, const uint8_t* r1, int32_t w0, int32_t w1, int32_t n, int32_t* u4, int32_t* v4) {
  for (int32_t i = 0; i < n; ++i) {
    u4[i + 1] = w0 * native_sample(r0, 2 * i, kDepth) + w1 * native_sample(r1, 2 * i, kDepth);
    v4[i + 1] = w0 * native_sample(r0, 2 * i + 1, kDepth) + w1 * native_sample(r1, 2 * i + 1, kDepth);
  }
  u4[0] = u4[1];
  v4[0] = v4[1];
  u4[n + 1] = u4[n];
  v4[n + 1] = v4[n];
}

// Pixel x's chroma terms from its interpolated samples (1/16 units) minus 16 c_offset.
inline void terms_at(const Coefficients& c, int32_t du, int32_t dv, int32_t* tr, int32_t* tg, int32_t* tb, int32_t x) {
  const int32_t qu = du >> 4, ru = du & 15, qv = dv >> 4, rv = dv & 15;
  tr[x] = term1(c.v_r, qv, rv);
  tg[x] = term2(c.u_g, qu, ru, c.v_g, qv, rv);
  tb[x] = term1(c.u_b, qu, ru);
}

// Horizontal taps per parity (chroma_tap with offset dx): dx 0: pixel 2k = 4 U[k], pixel 2k + 1 =
// 2 U[k] + 2 U[k + 1]; dx 1: pixel 2k = U[k - 1] + 3 U[k], pixel 2k + 1 = 3 U[k] + U[k + 1]
// (the padded row supplies the clamped edge samples).
template <int kDx>
void horizontal(const Coefficients& c, const int32_t* __restrict u4, const int32_t* __restrict v4, int32_t width,
                int32_t* __restrict tr, int32_t* __restrict tg, int32_t* __restrict tb) {
  const int32_t zero16 = 16 * c.c_offset;
  const int32_t* u = u4 + 1;
  const int32_t* v = v4 + 1;
  const int32_t pairs = width / 2;
  for (int32_t k = 0; k < pairs; ++k) {  // pixels 2k and 2k + 1, no branch: the compiler vectorises it
    const int32_t su0 = kDx ? u[k - 1] + 3 * u[k] : 4 * u[k];
    const int32_t sv0 = kDx ? v[k - 1] + 3 * v[k] : 4 * v[k];
    const int32_t su1 = kDx ? 3 * u[k] + u[k + 1] : 2 * (u[k] + u[k + 1]);
    const int32_t sv1 = kDx ? 3 * v[k] + v[k + 1] : 2 * (v[k] + v[k + 1]);
    terms_at(c, su0 - zero16, sv0 - zero16, tr, tg, tb, 2 * k);
    terms_at(c, su1 - zero16, sv1 - zero16, tr, tg, tb, 2 * k + 1);
  }
  if (width & 1) {  // an odd width's last pixel, 2 * pairs: even
    const int32_t k = pairs;
    terms_at(c, (kDx ? u[k - 1] + 3 * u[k] : 4 * u[k]) - zero16, (kDx ? v[k - 1] + 3 * v[k] : 4 * v[k]) - zero16, tr,
             tg, tb, 2 * k);
  }
}

}  // namespace

BilinearRows::BilinearRows(const ResizeConvertArgs& a) : a_(a), chroma_width_((a.src_width + 1) / 2) {
  u4_.resize(size_t(chroma_width_) + 2);
  v4_.resize(size_t(chroma_width_) + 2);
  tr_.resize(size_t(a.src_width));
  tg_.resize(size_t(a.src_width));
  tb_.resize(size_t(a.src_width));
}

void BilinearRows::row(int32_t y, uint8_t* out) {
  const ResizeConvertArgs& a = a_;
  const ChromaTap ty = chroma_tap(y, a.chroma_dy, (a.src_height + 1) / 2);
  const uint8_t* r0 = a.chroma + uint64_t(ty.i0) * a.chroma_pitch;
  const uint8_t* r1 = a.chroma + uint64_t(ty.i1) * a.chroma_pitch;
  if (a.bit_depth == 8) {
    blend_rows<8>(r0, r1, ty.w0, ty.w1, chroma_width_, u4_.data(), v4_.data());
  } else if (a.bit_depth == 10) {
    blend_rows<10>(r0, r1, ty.w0, ty.w1, chroma_width_, u4_.data(), v4_.data());
  } else {
    blend_rows<12>(r0, r1, ty.w0, ty.w1, chroma_width_, u4_.data(), v4_.data());
  }
  if (a.chroma_dx) {
    horizontal<1>(a.coeff, u4_.data(), v4_.data(), a.src_width, tr_.data(), tg_.data(), tb_.data());
  } else {
    horizontal<0>(a.coeff, u4_.data(), v4_.data(), a.src_width, tr_.data(), tg_.data(), tb_.data());
  }
  terms_to_rgb_row(a.coeff, a.luma + uint64_t(y) * a.luma_pitch, a.bit_depth, tr_.data(), tg_.data(), tb_.data(),
                   a.src_width, a.bgr != 0, out);
}

}  // namespace odvd::color
