// Host memory for returned frames: reference-counted blocks (shared_ptr) that go back to an idle
// list when the last reference dies, so a steady stream of same-sized frames stops paying for
// fresh pages. A block outlives its pool: if the pool is gone, the block is simply freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace odvd {

class HostPool : public std::enable_shared_from_this<HostPool> {
 public:
  static std::shared_ptr<HostPool> create(size_t max_idle_bytes = size_t(256) << 20);

  // A 64-byte aligned block of at least `bytes` bytes: the idle one released last among those of up
  // to twice that size (its pages are the likeliest to be in cache), else a new one.
  std::shared_ptr<uint8_t> acquire(size_t bytes);
  // Frees every idle block (release_device_memory on the CPU backend).
  void trim();
  size_t idle_bytes() const;
  // The size of a block some HostPool handed out (what it holds, at least what was asked for), or 0
  // for memory that did not come from a HostPool.
  static size_t block_bytes(const std::shared_ptr<uint8_t>& block);

 private:
  // The deleter of every block: back to the pool, or freed when the pool is gone.
  struct Release {
    std::weak_ptr<HostPool> pool;
    size_t size;
    void operator()(uint8_t* p) const;
  };

  explicit HostPool(size_t max_idle_bytes) : max_idle_bytes_(max_idle_bytes) {}
  void give_back(uint8_t* p, size_t bytes);

  mutable std::mutex mutex_;
  std::vector<std::pair<size_t, uint8_t*>> idle_;  // (size, block), in order of release
  size_t idle_bytes_ = 0;
  size_t max_idle_bytes_;
};

}  // namespace odvd
