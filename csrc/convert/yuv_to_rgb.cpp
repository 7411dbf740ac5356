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

// Sample i of a row, for the row loops of every instruction set: NV12 / P016 as native_sample reads
// them, or (kPlanar) a planar frame's byte or little-endian word with the value in its low bits.
template <int kDepth, bool kPlanar>
inline int32_t sample(const uint8_t* __restrict row, int i) {
  if constexpr (kDepth == 8 || !kPlanar) {
    return native_sample(row, i, kDepth);
  } else {
    const uint32_t word = uint32_t{row[2 * i]} | (uint32_t{row[2 * i + 1]} << 8);
    return static_cast<int32_t>(word & ((1u << kDepth) - 1));
  }
}

namespace baseline {
#include "convert/yuv_to_rgb_rows.inc"
}  // namespace baseline

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ODVD_CONVERT_AVX2 1
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
namespace avx2 {

#include "convert/yuv_to_rgb_avx2.inc"
#define ODVD_ROWS_AVX2 1
#include "convert/yuv_to_rgb_rows.inc"
#undef ODVD_ROWS_AVX2
}  // namespace avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
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
