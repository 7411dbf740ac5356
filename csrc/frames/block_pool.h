// Memory for returned frames: reference-counted blocks (shared_ptr) that go back to an idle list
// when the last reference dies, so a steady stream of same-sized frames stops paying for fresh
// memory. The memory comes from an allocator: host memory (aligned_alloc) for the CPU backend,
// device memory (cuMemAlloc in the device's primary context, decode/nvdec/device_allocator) for the
// GPU. A block outlives its pool: if the pool is gone, the block goes straight back to the allocator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace odvd {

class BlockAllocator {
 public:
  virtual ~BlockAllocator() = default;
  // `bytes` (a multiple of 64) of memory, 64-byte aligned; throws std::bad_alloc when there is none.
  virtual uint8_t* allocate(size_t bytes) = 0;
  // Must not throw: runs in deleters, possibly at interpreter exit.
  virtual void release(uint8_t* p) noexcept = 0;
};

// aligned_alloc / free.
std::shared_ptr<BlockAllocator> host_allocator();

class BlockPool : public std::enable_shared_from_this<BlockPool> {
 public:
  static std::shared_ptr<BlockPool> create(size_t max_idle_bytes = size_t(256) << 20,
                                           std::shared_ptr<BlockAllocator> allocator = host_allocator());

  // A 64-byte aligned block of at least `bytes` bytes: the idle one released last among those of up
  // to twice that size (its pages are the likeliest to be in cache), else a new one.
  std::shared_ptr<uint8_t> acquire(size_t bytes);
  // Frees every idle block (release_device_memory).
  void trim();
  size_t idle_bytes() const;
  // The size of a block some BlockPool handed out (what it holds, at least what was asked for), or 0
  // for memory that did not come from a BlockPool.
  static size_t block_bytes(const std::shared_ptr<uint8_t>& block);

 private:
  // The deleter of every block: back to the pool, or to the allocator when the pool is gone.
  struct Release {
    std::weak_ptr<BlockPool> pool;
    std::shared_ptr<BlockAllocator> allocator;
    size_t size;
    void operator()(uint8_t* p) const;
  };

  BlockPool(size_t max_idle_bytes, std::shared_ptr<BlockAllocator> allocator)
      : max_idle_bytes_(max_idle_bytes), allocator_(std::move(allocator)) {}
  void give_back(uint8_t* p, size_t bytes);

  mutable std::mutex mutex_;
  std::vector<std::pair<size_t, uint8_t*>> idle_;  // (size, block), in order of release
  size_t idle_bytes_ = 0;
  size_t max_idle_bytes_;
  std::shared_ptr<BlockAllocator> allocator_;
};

}  // namespace odvd
