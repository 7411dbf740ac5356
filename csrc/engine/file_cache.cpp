#include "engine/file_cache.h"

namespace odvd {

std::shared_ptr<GopReader> FileCache::get(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(path);
    if (it != map_.end()) {
      if (it->second.first->file().unchanged_on_disk()) {
        lru_.splice(lru_.begin(), lru_, it->second.second);
        return it->second.first;
      }
      lru_.erase(it->second.second);
      map_.erase(it);
    }
  }
  // The slow part, outside the lock.
  auto file = std::make_shared<GopReader>(std::make_shared<const VideoFile>(path));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = map_.find(path);
  if (it != map_.end()) {  // another thread opened it meanwhile: keep one
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return it->second.first;
  }
  lru_.push_front(path);
  map_.emplace(path, std::make_pair(file, lru_.begin()));
  while (map_.size() > capacity_) {
    map_.erase(lru_.back());
    lru_.pop_back();
  }
  return file;
}

void FileCache::erase(const std::string& key) {
  std::shared_ptr<GopReader> gone;  // released outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = map_.find(key);
  if (it == map_.end()) return;
  gone = it->second.first;
  lru_.erase(it->second.second);
  map_.erase(it);
}

void FileCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  map_.clear();
  lru_.clear();
}

size_t FileCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return map_.size();
}

}  // namespace odvd
