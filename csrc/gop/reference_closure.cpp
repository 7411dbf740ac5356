#include "gop/reference_closure.h"

#include <algorithm>

namespace odvd {

void ReferenceLists::add(const std::vector<uint32_t>& references, bool is_known) {
  if (is_known) refs.insert(refs.end(), references.begin(), references.end());
  row.push_back(static_cast<uint32_t>(refs.size()));
  known.push_back(is_known ? 1 : 0);
}

std::vector<int32_t> reference_closure(const ReferenceLists& lists, int32_t first, int32_t last,
                                       const std::vector<int32_t>& targets) {
  const int32_t n = static_cast<int32_t>(lists.size());
  if (first < 0 || last >= n || first > last) return {};
  std::vector<uint8_t> needed(static_cast<size_t>(n), 0);
  std::vector<int32_t> pending;
  auto need = [&](int32_t p) {
    if (p < first || p > last || needed[p]) return;
    needed[p] = 1;
    pending.push_back(p);
  };
  need(first);
  for (int32_t t : targets) need(t);
  while (!pending.empty()) {
    const int32_t p = pending.back();
    pending.pop_back();
    if (!lists.known[p]) return {};
    for (uint32_t k = lists.row[p]; k < lists.row[p + 1]; ++k) need(static_cast<int32_t>(lists.refs[k]));
  }
  std::vector<int32_t> closure;
  for (int32_t p = first; p <= last; ++p) {
    if (needed[p]) closure.push_back(p);
  }
  return closure;
}

bool select_closure_feed(const PacketSequence& seq, const ReferenceLists& lists, int32_t lists_start, DecodeRun& run) {
  const int32_t first = run.start - lists_start;
  const int32_t last = run.last - lists_start;
  if (first < 0 || last >= static_cast<int32_t>(lists.size())) return false;
  std::vector<int32_t> targets;
  for (int32_t i = run.start; i <= run.last; ++i) {
    const int64_t id = seq[i].frame_id;
    if (id >= 0 && std::binary_search(run.targets.begin(), run.targets.end(), id)) targets.push_back(i - lists_start);
  }
  std::vector<int32_t> closure = reference_closure(lists, first, last, targets);
  if (closure.empty()) return false;
  // Only ever narrower than select_feed's choice: a packet it left out stays out.
  std::vector<int32_t> feed;
  for (int32_t p : closure) {
    const int32_t i = p + lists_start;
    if (std::binary_search(run.feed.begin(), run.feed.end(), i)) feed.push_back(i);
  }
  run.feed = std::move(feed);
  return true;
}

}  // namespace odvd
