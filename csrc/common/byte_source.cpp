#include "common/byte_source.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace odvd {
namespace {

const std::string kPrefix("\0source:", 8);

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::unordered_map<std::string, std::shared_ptr<ByteSource>>& registry() {
  static std::unordered_map<std::string, std::shared_ptr<ByteSource>> r;
  return r;
}

}  // namespace

std::string register_source(std::shared_ptr<ByteSource> source) {
  static std::atomic<uint64_t> next{1};
  const std::string name = kPrefix + std::to_string(next++);
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().emplace(name, std::move(source));
  return name;
}

void unregister_source(const std::string& name) {
  std::shared_ptr<ByteSource> gone;  // released outside the lock (a Python object's may take the GIL)
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto it = registry().find(name);
    if (it == registry().end()) return;
    gone = std::move(it->second);
    registry().erase(it);
  }
}

bool is_source_name(const std::string& name) { return name.compare(0, kPrefix.size(), kPrefix) == 0; }

std::shared_ptr<ByteSource> find_source(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(name);
  if (it == registry().end()) {
    throw std::invalid_argument("a bytes / file-like source used after its call ended (" + name.substr(1) + ")");
  }
  return it->second;
}

}  // namespace odvd
