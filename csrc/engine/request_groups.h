// A call's requests grouped by file (or bundle entry): each group is one task, and the groups of a
// call run in parallel (parallel.h).
#pragma once

#include <cstddef>
#include <map>
#include <vector>

namespace odvd {

// Indices of the requests grouped by key, groups in order of first appearance, requests in order.
template <typename Key>
std::vector<std::vector<size_t>> group_by(const std::vector<Key>& keys) {
  std::map<Key, size_t> slot;
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = slot.emplace(keys[i], groups.size()).first;
    if (it->second == groups.size()) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

}  // namespace odvd
