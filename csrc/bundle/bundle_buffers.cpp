#include "bundle/bundle_buffers.h"

#include "frames/block_pool.h"

namespace odvd::bundle {
namespace {

BlockPool& pool() {
  static const std::shared_ptr<BlockPool> p = BlockPool::create(size_t(64) << 20);
  return *p;
}

}  // namespace

std::shared_ptr<uint8_t> acquire_buffer(size_t bytes) {
  // Sizes in 64 KiB steps, so that GOPs of similar sizes find each other's buffers.
  constexpr size_t kStep = size_t(64) << 10;
  return pool().acquire((bytes + kStep - 1) / kStep * kStep);
}

void trim_buffers() { pool().trim(); }

}  // namespace odvd::bundle
