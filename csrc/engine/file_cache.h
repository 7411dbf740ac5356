// The files a decoder has opened and indexed, each with its reader, bounded by `maxfiles` with
// least-recently-used eviction. A file in use by a job is held by a shared_ptr, so eviction never
// pulls it away.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "demux/gop_reader.h"

namespace odvd {

class FileCache {
 public:
  explicit FileCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  // The reader of the indexed file `path`, opened (outside the lock) when absent or changed on disk.
  std::shared_ptr<GopReader> get(const std::string& path);
  void clear();
  // Drops the file opened under `key` (a source whose call ended), if any.
  void erase(const std::string& key);
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // front = most recent
  std::unordered_map<std::string, std::pair<std::shared_ptr<GopReader>, std::list<std::string>::iterator>> map_;
};

}  // namespace odvd
