#include "frames/block_pool.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <new>

namespace odvd {
namespace {
constexpr size_t kAlign = 64;
size_t rounded(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

class HostAllocator final : public BlockAllocator {
 public:
  uint8_t* allocate(size_t bytes) override {
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(kAlign, bytes));
    if (!p) throw std::bad_alloc();
    return p;
  }
  void release(uint8_t* p) noexcept override { std::free(p); }
};
}  // namespace

std::shared_ptr<BlockAllocator> host_allocator() {
  static const auto instance = std::make_shared<HostAllocator>();
  return instance;
}

std::shared_ptr<BlockPool> BlockPool::create(size_t max_idle_bytes, std::shared_ptr<BlockAllocator> allocator,
                                             bool stream_ordered) {
  return std::shared_ptr<BlockPool>(new BlockPool(max_idle_bytes, std::move(allocator), stream_ordered));
}

std::shared_ptr<uint8_t> BlockPool::acquire(size_t bytes) {
  size_t size = rounded(bytes == 0 ? 1 : bytes);
  uint8_t* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
      if (it->size < size || it->size > 2 * size) continue;
      // A consumer's queued work may still read it: skip it until its fence has passed.
      if (it->fence && !allocator_->fence_passed(it->fence)) continue;
      size = it->size;
      p = it->block;
      idle_.erase(std::next(it).base());
      idle_bytes_ -= size;
      break;
    }
  }
  if (!p) {
    p = allocator_->allocate(size);
  }
  std::shared_ptr<Consumers> consumers = stream_ordered_ ? std::make_shared<Consumers>() : nullptr;
  return std::shared_ptr<uint8_t>(p, Release{weak_from_this(), allocator_, size, std::move(consumers)});
}

void BlockPool::Release::operator()(uint8_t* p) const {
  BlockAllocator::Fence fence;
  if (consumers) {
    std::lock_guard<std::mutex> lock(consumers->mutex);
    if (!consumers->streams.empty()) fence = allocator->record_fence(consumers->streams);
  }
  if (auto owner = pool.lock()) {
    owner->give_back(p, size, std::move(fence));
  } else {
    allocator->wait(fence);
    allocator->release(p);
  }
}

size_t BlockPool::block_bytes(const std::shared_ptr<uint8_t>& block) {
  const Release* release = std::get_deleter<Release>(block);
  return release ? release->size : 0;
}

void BlockPool::add_consumer_stream(const std::shared_ptr<uint8_t>& block, uint64_t stream) {
  const Release* release = std::get_deleter<Release>(block);
  if (!release || !release->consumers) return;
  Consumers& c = *release->consumers;
  std::lock_guard<std::mutex> lock(c.mutex);
  if (std::find(c.streams.begin(), c.streams.end(), stream) == c.streams.end()) c.streams.push_back(stream);
}

void BlockPool::free_now(Idle& idle) noexcept {
  allocator_->wait(idle.fence);
  allocator_->release(idle.block);
}

void BlockPool::give_back(uint8_t* p, size_t bytes, BlockAllocator::Fence fence) {
  std::lock_guard<std::mutex> lock(mutex_);
  Idle idle{bytes, p, std::move(fence)};
  if (bytes > max_idle_bytes_) {
    free_now(idle);
    return;
  }
  idle_.push_back(std::move(idle));
  idle_bytes_ += bytes;
  // Over the cap: the blocks idle longest go first (the coldest pages).
  size_t evict = 0;
  while (idle_bytes_ > max_idle_bytes_) {
    idle_bytes_ -= idle_[evict].size;
    free_now(idle_[evict]);
    ++evict;
  }
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(evict));
}

void BlockPool::trim() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Idle& idle : idle_) free_now(idle);
  idle_.clear();
  idle_bytes_ = 0;
}

size_t BlockPool::idle_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_bytes_;
}

}  // namespace odvd
