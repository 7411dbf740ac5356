#include "frames/block_pool.h"

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

std::shared_ptr<BlockPool> BlockPool::create(size_t max_idle_bytes, std::shared_ptr<BlockAllocator> allocator) {
  return std::shared_ptr<BlockPool>(new BlockPool(max_idle_bytes, std::move(allocator)));
}

std::shared_ptr<uint8_t> BlockPool::acquire(size_t bytes) {
  size_t size = rounded(bytes == 0 ? 1 : bytes);
  uint8_t* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
      if (it->first >= size && it->first <= 2 * size) {
        size = it->first;
        p = it->second;
        idle_.erase(std::next(it).base());
        idle_bytes_ -= size;
        break;
      }
    }
  }
  if (!p) {
    p = allocator_->allocate(size);
  }
  return std::shared_ptr<uint8_t>(p, Release{weak_from_this(), allocator_, size});
}

void BlockPool::Release::operator()(uint8_t* p) const {
  if (auto owner = pool.lock()) {
    owner->give_back(p, size);
  } else {
    allocator->release(p);
  }
}

size_t BlockPool::block_bytes(const std::shared_ptr<uint8_t>& block) {
  const Release* release = std::get_deleter<Release>(block);
  return release ? release->size : 0;
}

void BlockPool::give_back(uint8_t* p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (bytes > max_idle_bytes_) {
    allocator_->release(p);
    return;
  }
  idle_.emplace_back(bytes, p);
  idle_bytes_ += bytes;
  // Over the cap: the blocks idle longest go first (the coldest pages).
  size_t evict = 0;
  while (idle_bytes_ > max_idle_bytes_) {
    idle_bytes_ -= idle_[evict].first;
    allocator_->release(idle_[evict].second);
    ++evict;
  }
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(evict));
}

void BlockPool::trim() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& kv : idle_) allocator_->release(kv.second);
  idle_.clear();
  idle_bytes_ = 0;
}

size_t BlockPool::idle_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_bytes_;
}

}  // namespace odvd
