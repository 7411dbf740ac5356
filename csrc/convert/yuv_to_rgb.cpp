// Host NV12 / P016 -> packed RGB. Every output byte is exactly what color::yuv_to_rgb gives for the
// pixel's Y and its chroma pair: the loops below only reorganise the same integer terms (a chroma
// term is computed once per 2x2 block, and integer sums do not depend on their order).
#include "convert/yuv_to_rgb.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "convert/color.h"

namespace odvd::color {

namespace {

// Pixels go in blocks of kBlock through constant-count loops in functions with restrict pointers:
// GCC vectorises those even at -O2, whose cost model refuses loops that need an epilogue or
// run-time alias checks. 1600x900 takes ~2 ms at -O2 (see docs/color.md).
constexpr int kBlock = 16;

// Byte position -> shift inside a uint32 stored with memcpy (the packed store in luma_block).
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
constexpr int byte_shift(int i) { return 24 - 8 * i; }
#else
constexpr int byte_shift(int i) { return 8 * i; }
#endif

// Chroma pairs [0, count) of one chroma row -> per-pixel terms: pair i serves pixels 2i and 2i+1
// (nearest upsampling), so its terms are written twice.
template <int kDepth>
inline void chroma_block(Coefficients c, const uint8_t* __restrict chroma, int count, int32_t* __restrict tr,
                         int32_t* __restrict tg, int32_t* __restrict tb) {
  for (int i = 0; i < count; ++i) {
    const ChromaTerms t =
        chroma_terms(c, native_sample(chroma, 2 * i, kDepth), native_sample(chroma, 2 * i + 1, kDepth));
    tr[2 * i] = tr[2 * i + 1] = t.r;
    tg[2 * i] = tg[2 * i + 1] = t.g;
    tb[2 * i] = tb[2 * i + 1] = t.b;
  }
}

template <int kDepth>
void chroma_row(const Coefficients& c, const uint8_t* chroma, int pairs, int32_t* tr, int32_t* tg,
                int32_t* tb) {
  constexpr int kBytes = kDepth == 8 ? 1 : 2;
  int i = 0;
  for (; i + kBlock <= pairs; i += kBlock) {
    chroma_block<kDepth>(c, chroma + 2 * i * kBytes, kBlock, tr + 2 * i, tg + 2 * i, tb + 2 * i);
  }
  chroma_block<kDepth>(c, chroma + 2 * i * kBytes, pairs - i, tr + 2 * i, tg + 2 * i, tb + 2 * i);
}

// kBlock pixels: channels computed planar (vectorised), then each pixel stored as a 4-byte word at
// 3 * j. A word's fourth byte lands on the next pixel, which is written after it: the caller runs
// a block only while another pixel of the row follows it.
template <int kDepth, bool kBgr>
inline void luma_block(Coefficients c, const uint8_t* __restrict luma, const int32_t* __restrict tr,
                       const int32_t* __restrict tg, const int32_t* __restrict tb, uint8_t* __restrict out) {
  constexpr int kR = kBgr ? 2 : 0;
  constexpr int kB = kBgr ? 0 : 2;
  uint32_t px[kBlock];
  for (int j = 0; j < kBlock; ++j) {
    const int32_t l = luma_term(c, native_sample(luma, j, kDepth));
    px[j] = uint32_t{to_u8(l + tr[j])} << byte_shift(kR) | uint32_t{to_u8(l + tg[j])} << byte_shift(1) |
            uint32_t{to_u8(l + tb[j])} << byte_shift(kB);
  }
  for (int j = 0; j < kBlock; ++j) std::memcpy(out + 3 * j, &px[j], 4);
}

template <int kDepth, bool kBgr>
void luma_row(const Coefficients& c, const uint8_t* luma, const int32_t* tr, const int32_t* tg,
              const int32_t* tb, int width, uint8_t* out) {
  constexpr int kR = kBgr ? 2 : 0;
  constexpr int kB = kBgr ? 0 : 2;
  constexpr int kBytes = kDepth == 8 ? 1 : 2;
  int x = 0;
  for (; x + kBlock < width; x += kBlock) {  // strictly less: see luma_block
    luma_block<kDepth, kBgr>(c, luma + x * kBytes, tr + x, tg + x, tb + x, out + 3 * x);
  }
  for (; x < width; ++x) {
    const int32_t l = luma_term(c, native_sample(luma, x, kDepth));
    out[3 * x + kR] = to_u8(l + tr[x]);
    out[3 * x + 1] = to_u8(l + tg[x]);
    out[3 * x + kB] = to_u8(l + tb[x]);
  }
}

template <int kDepth, bool kBgr>
void convert_frame(const NativeView& in, const Coefficients& c, uint8_t* out, size_t out_pitch) {
  const int pairs = (in.width + 1) / 2;
  const size_t n = 2 * static_cast<size_t>(pairs);  // >= width: the last pair of an odd row is half used
  std::vector<int32_t> terms(3 * n);
  int32_t* tr = terms.data();
  int32_t* tg = tr + n;
  int32_t* tb = tg + n;
  for (int y = 0; y < in.height; ++y) {
    // Rows 2j and 2j+1 share chroma row j.
    if (y % 2 == 0) {
      chroma_row<kDepth>(c, in.chroma + static_cast<size_t>(y / 2) * in.chroma_pitch, pairs, tr, tg, tb);
    }
    luma_row<kDepth, kBgr>(c, in.luma + static_cast<size_t>(y) * in.luma_pitch, tr, tg, tb, in.width,
                           out + static_cast<size_t>(y) * out_pitch);
  }
}

template <int kDepth>
void convert_depth(const NativeView& in, const Coefficients& c, bool bgr, uint8_t* out, size_t out_pitch) {
  if (bgr) {
    convert_frame<kDepth, true>(in, c, out, out_pitch);
  } else {
    convert_frame<kDepth, false>(in, c, out, out_pitch);
  }
}

void check(const NativeView& in, const uint8_t* out, size_t out_pitch) {
  if (in.bit_depth != 8 && in.bit_depth != 10 && in.bit_depth != 12) {
    throw std::invalid_argument("native_to_rgb: bit_depth=" + std::to_string(in.bit_depth) +
                                " not supported (8 for NV12, 10 or 12 for P016)");
  }
  if (in.width <= 0 || in.height <= 0) {
    throw std::invalid_argument("native_to_rgb: frame size " + std::to_string(in.width) + "x" +
                                std::to_string(in.height) + " must be positive");
  }
  if (in.luma == nullptr || in.chroma == nullptr || out == nullptr) {
    throw std::invalid_argument("native_to_rgb: null plane or output pointer");
  }
  const size_t bytes = in.bit_depth == 8 ? 1 : 2;
  const size_t w = static_cast<size_t>(in.width);
  const size_t chroma_row = 2 * ((w + 1) / 2) * bytes;
  if (in.luma_pitch < w * bytes || in.chroma_pitch < chroma_row || out_pitch < 3 * w) {
    throw std::invalid_argument(
        "native_to_rgb: pitch too small for width " + std::to_string(in.width) + ": luma " +
        std::to_string(in.luma_pitch) + " (needs " + std::to_string(w * bytes) + "), chroma " +
        std::to_string(in.chroma_pitch) + " (needs " + std::to_string(chroma_row) + "), output " +
        std::to_string(out_pitch) + " (needs " + std::to_string(3 * w) + ") bytes");
  }
}

}  // namespace

void native_to_rgb(const NativeView& in, ColorSpec spec, bool bgr, uint8_t* out, size_t out_pitch) {
  check(in, out, out_pitch);
  const Coefficients c = make_coefficients(spec.matrix, spec.range, in.bit_depth);
  switch (in.bit_depth) {
    case 8:
      convert_depth<8>(in, c, bgr, out, out_pitch);
      break;
    case 10:
      convert_depth<10>(in, c, bgr, out, out_pitch);
      break;
    default:
      convert_depth<12>(in, c, bgr, out, out_pitch);
      break;
  }
}

}  // namespace odvd::color
