// The GOP bundle checksums (docs/bundle-format.md, "Checksum"): version 2's XXH3-64 from xxHash, and
// version 1's lane sums, kept only so that version-1 bundles written before still read.
#pragma once

#include <cstddef>
#include <cstdint>

namespace odvd::bundle {

// XXH3-64 (xxHash >= 0.8, seed 0) of `size` bytes: version 2's checksum of the bytes after the header.
// Compiled in (header-only xxHash), with an AVX2 build picked at run time where the CPU has AVX2.
uint64_t checksum(const uint8_t* data, size_t size);

// Version 1's checksum (lane sums, then splitmix64's finalizer); `size` is a multiple of 8. For reading
// version-1 bundles only: it misses some swaps of two words, which is why version 2 replaced it.
uint64_t checksum_v1(const uint8_t* data, size_t size);

}  // namespace odvd::bundle
