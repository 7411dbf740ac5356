// Memory for the bundles GetGOP / GetGOPList hand to Python (as NumPy arrays that own it): one
// process-wide pool, so a steady stream of GOP extractions, even by short-lived decoders, reuses
// warm pages instead of faulting in fresh ones for every bundle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace odvd::bundle {

// A 64-byte aligned buffer of at least `bytes` bytes; it returns to the pool when released.
std::shared_ptr<uint8_t> acquire_buffer(size_t bytes);
// Frees the pool's idle buffers (release_device_memory).
void trim_buffers();

}  // namespace odvd::bundle
