// Host NV12 / P016 / planar 4:2:0 -> packed RGB: checks, and the choice of instruction set for the
// row loops (convert/yuv_to_rgb_rows.inc, compiled once per instruction set).
#include "convert/yuv_to_rgb.h"

#include <immintrin.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "convert/color.h"

namespace odvd::color {

namespace {

namespace baseline {
#include "convert/yuv_to_rgb_rows.inc"
}  // namespace baseline

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ODVD_CONVERT_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2")
namespace avx2 {

// 16 pixels of luma_block with intrinsics, the same integer terms: 8 pixels per 32-bit vector,
// luma term by vpmulld, channel = (term + chroma term) >> kShift, clamped by the saturating packs
// (int32 -> int16 -> uint8 saturation is exactly clamp(v, 0, 255)), then R, G, B interleaved by byte
// shuffles into 48 bytes (no byte written past the block).
template <int kDepth, bool kPlanar>
inline void luma_samples16(const uint8_t* luma, __m256i& lo, __m256i& hi) {
  if constexpr (kDepth == 8) {
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(luma));
    lo = _mm256_cvtepu8_epi32(y);
    hi = _mm256_cvtepu8_epi32(_mm_srli_si128(y, 8));
  } else {
    __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(luma));
    if constexpr (kPlanar) {
      w = _mm256_and_si256(w, _mm256_set1_epi16(static_cast<int16_t>((1 << kDepth) - 1)));
    } else {
      w = _mm256_srli_epi16(w, 16 - kDepth);
    }
    lo = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(w));
    hi = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(w, 1));
  }
}

inline __m128i channel16(__m256i l_lo, __m256i l_hi, const int32_t* t) {
  const __m256i a = _mm256_srai_epi32(_mm256_add_epi32(l_lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t))), kShift);
  const __m256i b =
      _mm256_srai_epi32(_mm256_add_epi32(l_hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + 8))), kShift);
  // packs works per 128-bit lane: [a0-3 b0-3 | a4-7 b4-7]; the permute puts the pixels in order.
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

// pshufb mask: byte k of output vector `part` (bytes 16 part + k of the 48) takes pixel (16 part + k) / 3
// of channel `ch` if (16 part + k) % 3 == ch, else zero.
inline __m128i interleave_mask(int part, int ch) {
  alignas(16) int8_t m[16];
  for (int k = 0; k < 16; ++k) {
    const int at = 16 * part + k;
    m[k] = at % 3 == ch ? static_cast<int8_t>(at / 3) : static_cast<int8_t>(-128);
  }
  return _mm_load_si128(reinterpret_cast<const __m128i*>(m));
}

template <int kDepth, bool kPlanar, bool kBgr>
inline void luma_block_avx2(const Coefficients& c, const uint8_t* luma, const int32_t* tr, const int32_t* tg,
                            const int32_t* tb, uint8_t* out) {
  static const __m128i masks[3][3] = {
      {interleave_mask(0, 0), interleave_mask(0, 1), interleave_mask(0, 2)},
      {interleave_mask(1, 0), interleave_mask(1, 1), interleave_mask(1, 2)},
      {interleave_mask(2, 0), interleave_mask(2, 1), interleave_mask(2, 2)}};
  __m256i y_lo, y_hi;
  luma_samples16<kDepth, kPlanar>(luma, y_lo, y_hi);
  const __m256i cy = _mm256_set1_epi32(c.y);
  const __m256i offset = _mm256_set1_epi32(c.y_offset);
  const __m256i half = _mm256_set1_epi32(int32_t{1} << (kShift - 1));
  const __m256i l_lo = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(y_lo, offset), cy), half);
  const __m256i l_hi = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(y_hi, offset), cy), half);
  const __m128i r = channel16(l_lo, l_hi, tr);
  const __m128i g = channel16(l_lo, l_hi, tg);
  const __m128i b = channel16(l_lo, l_hi, tb);
  const __m128i first = kBgr ? b : r;  // the channel at byte 0 of each pixel
  const __m128i last = kBgr ? r : b;
  for (int part = 0; part < 3; ++part) {
    const __m128i v = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(first, masks[part][0]), _mm_shuffle_epi8(g, masks[part][1])),
                                   _mm_shuffle_epi8(last, masks[part][2]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * part), v);
  }
}

#define ODVD_ROWS_AVX2 1
#include "convert/yuv_to_rgb_rows.inc"
#undef ODVD_ROWS_AVX2
}  // namespace avx2
#pragma GCC pop_options
#endif

bool cpu_has_avx2() {
#ifdef ODVD_CONVERT_AVX2
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

// AVX2 where the CPU has it, unless ODVD_CONVERT_ISA=baseline.
ConvertIsa initial_isa() {
  const char* env = std::getenv("ODVD_CONVERT_ISA");
  if (env != nullptr && std::string(env) == "baseline") return ConvertIsa::kBaseline;
  return cpu_has_avx2() ? ConvertIsa::kAvx2 : ConvertIsa::kBaseline;
}

std::atomic<ConvertIsa>& isa_in_use() {
  static std::atomic<ConvertIsa> isa{initial_isa()};
  return isa;
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

ConvertIsa convert_isa() { return isa_in_use().load(std::memory_order_relaxed); }

bool convert_isa_available(ConvertIsa isa) { return isa == ConvertIsa::kBaseline || cpu_has_avx2(); }

ConvertIsa set_convert_isa(ConvertIsa isa) {
  if (!convert_isa_available(isa)) throw std::invalid_argument("this CPU (or build) has no AVX2 converter");
  return isa_in_use().exchange(isa);
}

const char* convert_isa_name(ConvertIsa isa) { return isa == ConvertIsa::kAvx2 ? "avx2" : "baseline"; }

void native_to_rgb(const NativeView& in, ColorSpec spec, bool bgr, uint8_t* out, size_t out_pitch) {
  check(in, out, out_pitch);
  const Coefficients c = make_coefficients(spec.matrix, spec.range, in.bit_depth);
#ifdef ODVD_CONVERT_AVX2
  if (convert_isa() == ConvertIsa::kAvx2) return avx2::convert(in, c, bgr, out, out_pitch);
#endif
  baseline::convert(in, c, bgr, out, out_pitch);
}

void terms_to_rgb_row(const Coefficients& c, const uint8_t* luma, int bit_depth, const int32_t* tr,
                      const int32_t* tg, const int32_t* tb, int width, bool bgr, uint8_t* out) {
#ifdef ODVD_CONVERT_AVX2
  if (convert_isa() == ConvertIsa::kAvx2) return avx2::terms_row(c, luma, bit_depth, tr, tg, tb, width, bgr, out);
#endif
  baseline::terms_row(c, luma, bit_depth, tr, tg, tb, width, bgr, out);
}

}  // namespace odvd::color
