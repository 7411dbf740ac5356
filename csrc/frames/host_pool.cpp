#include "frames/host_pool.h"

#include <cstdlib>
#include <new>

namespace odvd {
namespace {
constexpr size_t kAlign = 64;
size_t rounded(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }
}  // namespace

std::shared_ptr<HostPool> HostPool::create(size_t max_idle_bytes) {
  return std::shared_ptr<HostPool>(new HostPool(max_idle_bytes));
}

std::shared_ptr<uint8_t> HostPool::acquire(size_t bytes) {
  const size_t size = rounded(bytes == 0 ? 1 : bytes);
  uint8_t* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(size);
    if (it != idle_.end()) {
      p = it->second;
      idle_.erase(it);
      idle_bytes_ -= size;
    }
  }
  if (!p) {
    p = static_cast<uint8_t*>(std::aligned_alloc(kAlign, size));
    if (!p) throw std::bad_alloc();
  }
  std::weak_ptr<HostPool> weak = weak_from_this();
  return std::shared_ptr<uint8_t>(p, [weak, size](uint8_t* q) {
    if (auto pool = weak.lock()) {
      pool->give_back(q, size);
    } else {
      std::free(q);
    }
  });
}

void HostPool::give_back(uint8_t* p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_bytes_ + bytes > max_idle_bytes_) {
    std::free(p);
    return;
  }
  idle_.emplace(bytes, p);
  idle_bytes_ += bytes;
}

void HostPool::trim() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& kv : idle_) std::free(kv.second);
  idle_.clear();
  idle_bytes_ = 0;
}

size_t HostPool::idle_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_bytes_;
}

}  // namespace odvd
