#include "gop/gop_plan.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "index/stream_index.h"

namespace odvd {
namespace {

struct Target {
  int64_t frame_id;
  int32_t packet;  // decode index of its packet
  int32_t start;   // key frame the decode must start from
};

}  // namespace

std::vector<DecodeRun> plan_runs(const std::vector<PlanItem>& seq, const std::vector<int64_t>& targets) {
  std::unordered_map<int64_t, int32_t> packet_of_frame;
  std::vector<int32_t> keys;
  for (int32_t i = 0; i < static_cast<int32_t>(seq.size()); ++i) {
    if (seq[i].frame_id >= 0) packet_of_frame.emplace(seq[i].frame_id, i);
    if (i == 0 || (seq[i].flags & kSampleKey)) keys.push_back(i);
  }

  std::vector<int64_t> unique_ids(targets);
  std::sort(unique_ids.begin(), unique_ids.end());
  unique_ids.erase(std::unique(unique_ids.begin(), unique_ids.end()), unique_ids.end());

  std::vector<Target> resolved;
  resolved.reserve(unique_ids.size());
  for (int64_t id : unique_ids) {
    auto it = packet_of_frame.find(id);
    if (it == packet_of_frame.end()) {
      throw std::out_of_range("frame_id=" + std::to_string(id) + " is not in the packet sequence");
    }
    const int32_t packet = it->second;
    auto k = std::upper_bound(keys.begin(), keys.end(), packet) - 1;
    int32_t start = *k;
    // A leading picture of an open GOP (shown before its key frame) references the GOP before.
    const int64_t key_frame = seq[start].frame_id;
    if (key_frame >= 0 && id < key_frame && k != keys.begin()) start = *(k - 1);
    resolved.push_back({id, packet, start});
  }
  std::sort(resolved.begin(), resolved.end(), [](const Target& a, const Target& b) {
    return a.start != b.start ? a.start < b.start : a.packet < b.packet;
  });

  std::vector<DecodeRun> runs;
  for (const Target& t : resolved) {
    // A target whose start lies inside (or right after) the current run continues that run: the
    // decoder has already seen every packet it needs.
    if (!runs.empty() && t.start <= runs.back().last + 1) {
      DecodeRun& r = runs.back();
      r.last = std::max(r.last, t.packet);
      r.targets.push_back(t.frame_id);
      continue;
    }
    DecodeRun r;
    r.start = t.start;
    r.last = t.packet;
    r.targets.push_back(t.frame_id);
    runs.push_back(std::move(r));
  }
  for (DecodeRun& r : runs) {
    std::sort(r.targets.begin(), r.targets.end());
    select_feed(seq, r);
  }
  return runs;
}

void select_feed(const std::vector<PlanItem>& seq, DecodeRun& run) {
  run.feed.clear();
  for (int32_t i = run.start; i <= run.last; ++i) {
    const PlanItem& p = seq[i];
    const bool target = p.frame_id >= 0 && std::binary_search(run.targets.begin(), run.targets.end(), p.frame_id);
    // A non-reference picture that is not wanted changes nothing for the pictures after it.
    if ((p.flags & kSampleNonRef) && !(p.flags & kSampleKey) && !target) continue;
    run.feed.push_back(i);
  }
}

}  // namespace odvd
