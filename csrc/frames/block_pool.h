// Memory for returned frames: reference-counted blocks (shared_ptr) that go back to an idle list
// when the last reference dies, so a steady stream of same-sized frames stops paying for fresh
// memory. The memory comes from an allocator: host memory (aligned_alloc) for the CPU backend,
// device memory (cuMemAlloc in the device's primary context, decode/nvdec/device_allocator) for the
// GPU. A block outlives its pool: if the pool is gone, the block goes straight back to the allocator.
//
// Stream-ordered reuse (device memory): a block handed to a consumer that works on a stream of its own
// (DLPack's consumer stream, the CUDA array interface's) may still be read by that consumer's queued
// work when its last reference dies. The streams are noted on the block (add_consumer_stream); when it
// is released, the allocator records a fence (CUDA events) on each, and the block is not handed out
// again before the fence has passed. Nothing waits on the host.
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

  // Stream-ordered reuse (see above); host memory needs none of it. A fence marks the point in each of
  // `streams` (CUstream handles; 1 and 2 stand for the legacy and per-thread default streams) at the
  // moment of the call; null when nothing needs waiting for.
  using Fence = std::shared_ptr<void>;
  virtual Fence record_fence(const std::vector<uint64_t>& streams) noexcept {
    (void)streams;
    return nullptr;
  }
  virtual bool fence_passed(const Fence& fence) noexcept {
    (void)fence;
    return true;
  }
  // Blocks until the fence has passed (before memory is freed for good).
  virtual void wait(const Fence& fence) noexcept { (void)fence; }
};

// aligned_alloc / free.
std::shared_ptr<BlockAllocator> host_allocator();

class BlockPool : public std::enable_shared_from_this<BlockPool> {
 public:
  // `stream_ordered`: blocks may be given to consumers on other streams (device memory).
  static std::shared_ptr<BlockPool> create(size_t max_idle_bytes = size_t(256) << 20,
                                           std::shared_ptr<BlockAllocator> allocator = host_allocator(),
                                           bool stream_ordered = false);

  // A 64-byte aligned block of at least `bytes` bytes: the idle one released last among those of up
  // to twice that size (its pages are the likeliest to be in cache), else a new one.
  std::shared_ptr<uint8_t> acquire(size_t bytes);
  // Frees every idle block (release_device_memory).
  void trim();
  size_t idle_bytes() const;
  // The size of a block some BlockPool handed out (what it holds, at least what was asked for), or 0
  // for memory that did not come from a BlockPool.
  static size_t block_bytes(const std::shared_ptr<uint8_t>& block);
  // Notes that work on `stream` may read `block` until its last reference dies (stream-ordered reuse;
  // nothing for host blocks or memory not from a BlockPool).
  static void add_consumer_stream(const std::shared_ptr<uint8_t>& block, uint64_t stream);

 private:
  // The consumer streams noted on a block (device blocks only).
  struct Consumers {
    std::mutex mutex;
    std::vector<uint64_t> streams;
  };
  // The deleter of every block: back to the pool, or to the allocator when the pool is gone.
  struct Release {
    std::weak_ptr<BlockPool> pool;
    std::shared_ptr<BlockAllocator> allocator;
    size_t size;
    std::shared_ptr<Consumers> consumers;
    void operator()(uint8_t* p) const;
  };
  struct Idle {
    size_t size;
    uint8_t* block;
    BlockAllocator::Fence fence;  // null, or not to be handed out before it has passed
  };

  BlockPool(size_t max_idle_bytes, std::shared_ptr<BlockAllocator> allocator, bool stream_ordered)
      : max_idle_bytes_(max_idle_bytes), allocator_(std::move(allocator)), stream_ordered_(stream_ordered) {}
  void give_back(uint8_t* p, size_t bytes, BlockAllocator::Fence fence);
  void free_now(Idle& idle) noexcept;

  mutable std::mutex mutex_;
  std::vector<Idle> idle_;  // in order of release
  size_t idle_bytes_ = 0;
  size_t max_idle_bytes_;
  std::shared_ptr<BlockAllocator> allocator_;
  bool stream_ordered_;  // blocks carry consumer streams (device memory)
};

}  // namespace odvd
