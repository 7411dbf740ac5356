// GopPlan: for a set of target frames in one packet sequence, which packets to feed the decoder and
// which outputs to keep. Pure logic on plain vectors (no I/O, no FFmpeg), so it is unit-tested alone.
//
// The sequence is a file's StreamIndex or a bundle entry's packet table, in decode order. Rules
// (DESIGN.md "A GOP", "Decoding a target"):
//  - a target is decoded from the key frame that starts its GOP; an open-GOP leading picture (shown
//    before its key frame, decoded after it) starts from the previous GOP's key frame instead;
//  - targets whose runs overlap or touch are decoded in one pass;
//  - nothing after the last target of a run (in decode order) is fed: after it the decoder is drained;
//  - non-reference packets that are not targets are skipped.
#pragma once

#include <cstdint>
#include <vector>

namespace odvd {

struct PlanItem {
  int64_t frame_id;  // presentation index of the frame this packet produces; < 0: produces none
  uint32_t flags;    // SampleFlag bits (index/stream_index.h): key, non-ref
};

struct DecodeRun {
  int32_t start = 0;                 // first packet (a key frame), decode index
  int32_t last = 0;                  // last packet fed, decode index (the last target's packet)
  std::vector<int32_t> feed;         // packets to feed, ascending decode indices in [start, last]
  std::vector<int64_t> targets;      // distinct frame ids to keep, ascending
};

// Groups the distinct frame ids of `targets` into runs; each run's `feed` is filled by select_feed
// with the flags known at planning time. Throws std::out_of_range for a frame id not in `seq`.
std::vector<DecodeRun> plan_runs(const std::vector<PlanItem>& seq, const std::vector<int64_t>& targets);

// (Re)computes run.feed from the flags now in `seq` (non-reference flags may be learned only once a
// run's packets have been read).
void select_feed(const std::vector<PlanItem>& seq, DecodeRun& run);

}  // namespace odvd
