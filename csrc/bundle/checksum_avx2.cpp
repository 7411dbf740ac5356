// XXH3-64 built with -mavx2 (CMakeLists.txt), called by checksum.cpp only on CPUs that have AVX2.
// Nothing but xxhash.h is included: with XXH_INLINE_ALL every function it defines is static, so no
// AVX2 code of this file can stand in for an inline function that another translation unit also emits.
#if defined(__x86_64__) || defined(__i386__)
#if !defined(__AVX2__)
#error "checksum_avx2.cpp is built with -mavx2 (CMakeLists.txt)"
#endif
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace odvd::bundle::detail {

uint64_t xxh3_64_avx2(const uint8_t* data, size_t size) { return XXH3_64bits(data, size); }

}  // namespace odvd::bundle::detail
#endif
