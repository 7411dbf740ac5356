#include "bundle/checksum.h"

#define XXH_INLINE_ALL  // header-only: compiled in, no library linked (nothing for the wheel to carry)
#include <xxhash.h>

namespace odvd::bundle {

#if defined(__x86_64__) || defined(__i386__)
namespace detail {
uint64_t xxh3_64_avx2(const uint8_t* data, size_t size);  // checksum_avx2.cpp
}
#endif

uint64_t checksum(const uint8_t* data, size_t size) {
  // XXH3 picks its vector unit at compile time; this translation unit is built for the baseline (SSE2
  // on x86-64), so an AVX2 build of it (about 3x faster: a GOP is checksummed when GetGOP writes it and
  // when it is read back) is chosen once, at run time.
#if defined(__x86_64__) || defined(__i386__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return detail::xxh3_64_avx2(data, size);
#endif
  return XXH3_64bits(data, size);
}

uint64_t checksum_v1(const uint8_t* data, size_t size) {
  // docs/bundle-format.md, "Version 1": little-endian u64 words in 8 lanes (word i in lane i mod 8),
  // each lane summing a += w; b += a; the lanes combined with odd weights, then splitmix64's finalizer.
  uint64_t a[8] = {}, b[8] = {};
  for (size_t i = 0; i < size / 8; ++i) {
    uint64_t w = 0;
    for (int k = 0; k < 8; ++k) w |= uint64_t(data[i * 8 + k]) << (8 * k);
    a[i % 8] += w;
    b[i % 8] += a[i % 8];
  }
  uint64_t h = 0;
  for (int l = 0; l < 8; ++l) {
    const uint64_t odd = 0x9E3779B97F4A7C15ull * uint64_t(2 * l + 1);
    h += a[l] * odd + b[l] * (odd << 1);
  }
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return h;
}

}  // namespace odvd::bundle
