// GopPlan: where a frame_id becomes packets. For target frames in one packet sequence (a file's
// StreamIndex, a bundle entry's packet table, a packet list), which packets to feed the decoder and
// which outputs to keep. Pure logic on plain vectors (no I/O, no FFmpeg), unit-tested alone; every
// reader of packets asks it (the GOP engine, the stream readers, GOP extraction for bundles).
//
// Rules (docs/design.md "A GOP", "Decoding a target"):
//  - a target is decoded from the key frame that starts its GOP; an open-GOP leading picture (shown
//    before its key frame, decoded after it) starts from the previous GOP's key frame instead;
//  - targets whose runs overlap are decoded in one pass, and so are runs that touch (one starts right
//    after the other's last packet) unless the caller asks for them apart (to decode them in parallel);
//  - nothing after the last target of a run (in decode order) is fed: after it the decoder is drained;
//  - non-reference packets that are not wanted are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace odvd {

struct PlanItem {
  int64_t frame_id;  // presentation index of the frame this packet produces; < 0: produces none
  uint32_t flags;    // SampleFlag bits (index/stream_index.h): key, non-ref
};

// A packet sequence in decode order with the lookups the rules need (frame -> packet, GOP starts).
// Flags may grow after construction (non-reference flags learned when packets are read).
class PacketSequence {
 public:
  PacketSequence() = default;
  explicit PacketSequence(std::vector<PlanItem> items);

  const std::vector<PlanItem>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  const PlanItem& operator[](int32_t packet) const { return items_[static_cast<size_t>(packet)]; }
  void add_flags(int32_t packet, uint32_t flags) { items_[static_cast<size_t>(packet)].flags |= flags; }

  // Decode index of frame `frame_id`; std::out_of_range when the sequence has no such frame.
  int32_t packet_of_frame(int64_t frame_id) const;
  // The packet a fresh decode of `packet` starts from: its GOP's key frame, or the previous GOP's
  // when `packet` is a leading picture of an open GOP.
  int32_t decode_start(int32_t packet) const;
  // The first packet of the GOP holding `packet` and one past its last.
  int32_t gop_start(int32_t packet) const;
  int32_t gop_end(int32_t packet) const;
  // Decode indices of the GOP starts (packet 0 always starts one).
  const std::vector<int32_t>& gop_starts() const { return keys_; }

 private:
  std::vector<PlanItem> items_;
  std::unordered_map<int64_t, int32_t> packet_of_frame_;
  std::vector<int32_t> keys_;  // decode indices of GOP starts (packet 0 always starts one)
};

// Whether a packet must be fed to a decoder that should put out `wanted` pictures: every packet but a
// non-reference picture nobody wants (it changes nothing for the pictures after it).
bool needs_feeding(const PlanItem& p, bool wanted);

struct DecodeRun {
  int32_t start = 0;                 // first packet (a key frame), decode index
  int32_t last = 0;                  // last packet fed, decode index (the last target's packet)
  std::vector<int32_t> feed;         // packets to feed, ascending decode indices in [start, last]
  std::vector<int64_t> targets;      // distinct frame ids to keep, ascending
};

// Groups the distinct frame ids of `targets` into runs; each run's `feed` is filled by select_feed
// with the flags known at planning time. Throws std::out_of_range for a frame id not in `seq`.
// `join_adjacent`: a run that starts right after another's last packet continues it (one decoder, no
// drain between them); false keeps them apart, as tasks for different decoders.
std::vector<DecodeRun> plan_runs(const PacketSequence& seq, const std::vector<int64_t>& targets,
                                 bool join_adjacent = true);

// (Re)computes run.feed from the flags now in `seq` (non-reference flags may be learned only once a
// run's packets have been read).
void select_feed(const PacketSequence& seq, DecodeRun& run);

// The packets a bundle of the GOP holding frame `frame_id` carries: from the start of the GOP (or
// of the GOP before, when the GOP has open-GOP leading pictures that need it) to the GOP's end.
struct GopSpan {
  int32_t first;            // first packet carried (a key frame)
  int32_t key;              // the GOP's own key frame (> first when the previous GOP travels along)
  int32_t end;              // one past the GOP's last packet
  int64_t first_frame_id;   // smallest frame_id in the GOP
  int32_t gop_len;          // frames the GOP shows
};
GopSpan gop_span(const PacketSequence& seq, int64_t frame_id);
// Every GOP of the sequence, in decode order: the span of each key packet's GOP (what gop_span gives
// for any frame of it). A GOP that shows no frame has gop_len 0 and first_frame_id -1.
std::vector<GopSpan> gop_spans(const PacketSequence& seq);

}  // namespace odvd
