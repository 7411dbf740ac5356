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

// Sample i of a row: NV12 / P016 as native_sample reads them, or (kPlanar) a planar frame's byte or
// little-endian word with the value in its low bits.
template <int kDepth, bool kPlanar>
inline int32_t sample(const uint8_t* __restrict row, int i) {
  if constexpr (kDepth == 8 || !kPlanar) {
    return native_sample(row, i, kDepth);
  } else {
    const uint32_t word = uint32_t{row[2 * i]} | (uint32_t{row[2 * i + 1]} << 8);
    return static_cast<int32_t>(word & ((1u << kDepth) - 1));
  }
}

// Chroma pairs [0, count) of one chroma row -> per-pixel terms: pair i (U sample kStep * i of `u`, V
// sample kStep * i of `v`) serves pixels 2i and 2i+1 (nearest upsampling), so its terms are written
// twice. NV12 / P016: kStep 2 and v one sample after u; planar: kStep 1, the two planes.
template <int kDepth, bool kPlanar>
inline void chroma_block(Coefficients c, const uint8_t* __restrict u, const uint8_t* __restrict v, int count,
                         int32_t* __restrict tr, int32_t* __restrict tg, int32_t* __restrict tb) {
  constexpr int kStep = kPlanar ? 1 : 2;
  for (int i = 0; i < count; ++i) {
    const ChromaTerms t = chroma_terms(c, sample<kDepth, kPlanar>(u, kStep * i), sample<kDepth, kPlanar>(v, kStep * i));
    tr[2 * i] = tr[2 * i + 1] = t.r;
    tg[2 * i] = tg[2 * i + 1] = t.g;
    tb[2 * i] = tb[2 * i + 1] = t.b;
  }
}

template <int kDepth, bool kPlanar>
void chroma_row(const Coefficients& c, const uint8_t* u, const uint8_t* v, int pairs, int32_t* tr, int32_t* tg,
                int32_t* tb) {
  constexpr int kBytes = kDepth == 8 ? 1 : 2;
  constexpr int kStep = kPlanar ? 1 : 2;
  int i = 0;
  for (; i + kBlock <= pairs; i += kBlock) {
    const size_t at = size_t(kStep) * i * kBytes;
    chroma_block<kDepth, kPlanar>(c, u + at, v + at, kBlock, tr + 2 * i, tg + 2 * i, tb + 2 * i);
  }
  const size_t at = size_t(kStep) * i * kBytes;
  chroma_block<kDepth, kPlanar>(c, u + at, v + at, pairs - i, tr + 2 * i, tg + 2 * i, tb + 2 * i);
}

template <int kDepth, bool kPlanar, bool kBgr>
inline void luma_block(Coefficients c, const uint8_t* __restrict luma, const int32_t* __restrict tr,
                       const int32_t* __restrict tg, const int32_t* __restrict tb, uint8_t* __restrict out) {
  constexpr int kR = kBgr ? 2 : 0;
  constexpr int kB = kBgr ? 0 : 2;
  uint32_t px[kBlock];
  for (int j = 0; j < kBlock; ++j) {
    const int32_t l = luma_term(c, sample<kDepth, kPlanar>(luma, j));
    px[j] = uint32_t{to_u8(l + tr[j])} << byte_shift(kR) | uint32_t{to_u8(l + tg[j])} << byte_shift(1) |
            uint32_t{to_u8(l + tb[j])} << byte_shift(kB);
  }
  for (int j = 0; j < kBlock; ++j) std::memcpy(out + 3 * j, &px[j], 4);
}

template <int kDepth, bool kPlanar, bool kBgr>
void luma_row(const Coefficients& c, const uint8_t* luma, const int32_t* tr, const int32_t* tg,
              const int32_t* tb, int width, uint8_t* out) {
  constexpr int kR = kBgr ? 2 : 0;
  constexpr int kB = kBgr ? 0 : 2;
  constexpr int kBytes = kDepth == 8 ? 1 : 2;
  int x = 0;
  for (; x + kBlock < width; x += kBlock) {  // strictly less: see luma_block
    luma_block<kDepth, kPlanar, kBgr>(c, luma + x * kBytes, tr + x, tg + x, tb + x, out + 3 * x);
  }
  for (; x < width; ++x) {
    const int32_t l = luma_term(c, sample<kDepth, kPlanar>(luma, x));
    out[3 * x + kR] = to_u8(l + tr[x]);
    out[3 * x + 1] = to_u8(l + tg[x]);
    out[3 * x + kB] = to_u8(l + tb[x]);
  }
}

template <int kDepth, bool kPlanar, bool kBgr>
void convert_frame(const NativeView& in, const Coefficients& c, uint8_t* out, size_t out_pitch) {
  constexpr int kBytes = kDepth == 8 ? 1 : 2;
  const int pairs = (in.width + 1) / 2;
  const size_t n = 2 * static_cast<size_t>(pairs);  // >= width: the last pair of an odd row is half used
  std::vector<int32_t> terms(3 * n);
  int32_t* tr = terms.data();
  int32_t* tg = tr + n;
  int32_t* tb = tg + n;
  for (int y = 0; y < in.height; ++y) {
    // Rows 2j and 2j+1 share chroma row j.
    if (y % 2 == 0) {
      const uint8_t* u = in.chroma + static_cast<size_t>(y / 2) * in.chroma_pitch;
      const uint8_t* v = kPlanar ? in.chroma_v + static_cast<size_t>(y / 2) * in.chroma_v_pitch : u + kBytes;
      chroma_row<kDepth, kPlanar>(c, u, v, pairs, tr, tg, tb);
    }
    luma_row<kDepth, kPlanar, kBgr>(c, in.luma + static_cast<size_t>(y) * in.luma_pitch, tr, tg, tb, in.width,
                                    out + static_cast<size_t>(y) * out_pitch);
  }
}

template <int kDepth>
void convert_depth(const NativeView& in, const Coefficients& c, bool bgr, uint8_t* out, size_t out_pitch) {
  const bool planar = in.chroma_v != nullptr;
  if (planar) {
    bgr ? convert_frame<kDepth, true, true>(in, c, out, out_pitch) : convert_frame<kDepth, true, false>(in, c, out, out_pitch);
  } else {
    bgr ? convert_frame<kDepth, false, true>(in, c, out, out_pitch)
        : convert_frame<kDepth, false, false>(in, c, out, out_pitch);
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
  const bool planar = in.chroma_v != nullptr;
  // A chroma row: (w + 1) / 2 interleaved pairs, or (w + 1) / 2 samples of each plane.
  const size_t chroma_row = (planar ? 1 : 2) * ((w + 1) / 2) * bytes;
  if (planar && in.chroma_v_pitch < chroma_row) {
    throw std::invalid_argument("native_to_rgb: V plane pitch " + std::to_string(in.chroma_v_pitch) +
                                " too small for width " + std::to_string(in.width));
  }
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

void terms_to_rgb_row(const Coefficients& c, const uint8_t* luma, int bit_depth, const int32_t* tr,
                      const int32_t* tg, const int32_t* tb, int width, bool bgr, uint8_t* out) {
  switch ((bit_depth == 8 ? 0 : bit_depth == 10 ? 2 : 4) + (bgr ? 1 : 0)) {
    case 0: return luma_row<8, false, false>(c, luma, tr, tg, tb, width, out);
    case 1: return luma_row<8, false, true>(c, luma, tr, tg, tb, width, out);
    case 2: return luma_row<10, false, false>(c, luma, tr, tg, tb, width, out);
    case 3: return luma_row<10, false, true>(c, luma, tr, tg, tb, width, out);
    case 4: return luma_row<12, false, false>(c, luma, tr, tg, tb, width, out);
    default: return luma_row<12, false, true>(c, luma, tr, tg, tb, width, out);
  }
}

}  // namespace odvd::color
