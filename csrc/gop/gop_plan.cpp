#include "gop/gop_plan.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "common/error.h"
#include "index/stream_index.h"

namespace odvd {
namespace {

struct Target {
  int64_t frame_id;
  int32_t packet;  // decode index of its packet
  int32_t start;   // key frame the decode must start from
};

}  // namespace

PacketSequence::PacketSequence(std::vector<PlanItem> items) : items_(std::move(items)) {
  packet_of_frame_.reserve(items_.size());
  for (int32_t i = 0; i < static_cast<int32_t>(items_.size()); ++i) {
    if (items_[i].frame_id >= 0) packet_of_frame_.emplace(items_[i].frame_id, i);
    if (i == 0 || (items_[i].flags & kSampleKey)) keys_.push_back(i);
  }
}

int32_t PacketSequence::packet_of_frame(int64_t frame_id) const {
  auto it = packet_of_frame_.find(frame_id);
  if (it == packet_of_frame_.end()) {
    throw FrameOutOfRange("frame_id=" + std::to_string(frame_id) + " is not in the packet sequence");
  }
  return it->second;
}

int32_t PacketSequence::gop_start(int32_t packet) const {
  return *(std::upper_bound(keys_.begin(), keys_.end(), packet) - 1);
}

int32_t PacketSequence::gop_end(int32_t packet) const {
  auto it = std::upper_bound(keys_.begin(), keys_.end(), packet);
  return it == keys_.end() ? static_cast<int32_t>(items_.size()) : *it;
}

int32_t PacketSequence::decode_start(int32_t packet) const {
  auto k = std::upper_bound(keys_.begin(), keys_.end(), packet) - 1;
  // A leading picture of an open GOP (shown before its key frame) references the GOP before.
  const int64_t key_frame = items_[*k].frame_id;
  const int64_t id = items_[packet].frame_id;
  if (key_frame >= 0 && id >= 0 && id < key_frame && k != keys_.begin()) return *(k - 1);
  return *k;
}

bool needs_feeding(const PlanItem& p, bool wanted) {
  return wanted || !(p.flags & kSampleNonRef) || (p.flags & kSampleKey);
}

std::vector<DecodeRun> plan_runs(const PacketSequence& seq, const std::vector<int64_t>& targets, bool join_adjacent) {
  std::vector<int64_t> unique_ids(targets);
  std::sort(unique_ids.begin(), unique_ids.end());
  unique_ids.erase(std::unique(unique_ids.begin(), unique_ids.end()), unique_ids.end());

  std::vector<Target> resolved;
  resolved.reserve(unique_ids.size());
  for (int64_t id : unique_ids) {
    const int32_t packet = seq.packet_of_frame(id);
    resolved.push_back({id, packet, seq.decode_start(packet)});
  }
  std::sort(resolved.begin(), resolved.end(), [](const Target& a, const Target& b) {
    return a.start != b.start ? a.start < b.start : a.packet < b.packet;
  });

  std::vector<DecodeRun> runs;
  for (const Target& t : resolved) {
    // A target whose start lies inside (or, when joining, right after) the current run continues that
    // run: the decoder has already seen every packet it needs.
    if (!runs.empty() && t.start <= runs.back().last + (join_adjacent ? 1 : 0)) {
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

void select_feed(const PacketSequence& seq, DecodeRun& run) {
  run.feed.clear();
  for (int32_t i = run.start; i <= run.last; ++i) {
    const PlanItem& p = seq[i];
    const bool target = p.frame_id >= 0 && std::binary_search(run.targets.begin(), run.targets.end(), p.frame_id);
    if (needs_feeding(p, target)) run.feed.push_back(i);
  }
}

namespace {

GopSpan span_of_packet(const PacketSequence& seq, int32_t packet) {
  GopSpan g{};
  g.key = seq.gop_start(packet);
  g.end = seq.gop_end(packet);
  g.first = g.key;
  g.first_frame_id = std::numeric_limits<int64_t>::max();
  for (int32_t i = g.key; i < g.end; ++i) {
    const int64_t f = seq[i].frame_id;
    if (f < 0) continue;
    g.first_frame_id = std::min(g.first_frame_id, f);
    ++g.gop_len;
    // Open GOP: the leading pictures need the GOP before, which travels along as a prefix.
    g.first = std::min(g.first, seq.decode_start(i));
  }
  if (g.gop_len == 0) g.first_frame_id = -1;
  return g;
}

}  // namespace

GopSpan gop_span(const PacketSequence& seq, int64_t frame_id) {
  return span_of_packet(seq, seq.packet_of_frame(frame_id));
}

std::vector<GopSpan> gop_spans(const PacketSequence& seq) {
  std::vector<GopSpan> out;  // none for an empty sequence, which has no GOP start
  out.reserve(seq.gop_starts().size());
  for (int32_t key : seq.gop_starts()) out.push_back(span_of_packet(seq, key));
  return out;
}

}  // namespace odvd
