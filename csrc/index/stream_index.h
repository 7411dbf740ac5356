// StreamIndex: every sample (packet) of the selected video stream in decode order, with what the
// planner needs: byte position and size, pts/dts, key / non-reference / discard flags, and the
// frame_id (docs/design.md: 0-based index in presentation order among the frames that are shown).
// Built once per file (demux/video_file.cpp), immutable afterwards; what reading the packets teaches
// (non-reference flags) goes into the reader's PacketSequence (demux/gop_reader.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace odvd {

enum SampleFlag : uint32_t {
  kSampleKey = 1u << 0,      // GOP start: IDR, CRA/BLA, AV1/VP9 key frame (container sync sample)
  kSampleNonRef = 1u << 1,   // no later picture references it (the bitstream or container says so)
  kSampleDiscard = 1u << 2,  // decoded but never shown (edit list): has no frame_id
  kSamplePrefix = 1u << 3,   // bundles only: from the GOP before, needed by open-GOP leading pictures
};

struct Sample {
  int64_t pos = -1;       // byte offset of the payload in the file (-1: unknown)
  int64_t pts = 0;        // in the stream's time base
  int64_t dts = 0;
  int32_t size = 0;
  uint32_t flags = 0;     // SampleFlag bits
  int64_t frame_id = -1;  // presentation index; -1 for discarded samples
};

class StreamIndex {
 public:
  StreamIndex() = default;
  // `samples` in decode order with pos/size/pts/dts/flags; assigns frame ids (sorted by pts, ties in
  // decode order). Throws std::invalid_argument when there is nothing to show or timestamps are missing.
  StreamIndex(std::vector<Sample> samples, std::string name);

  const std::vector<Sample>& samples() const { return samples_; }
  int64_t frame_count() const { return static_cast<int64_t>(frame_to_sample_.size()); }

  // Decode index of frame `frame_id`; std::out_of_range naming the file and the valid range.
  int32_t sample_of_frame(int64_t frame_id) const;

 private:
  std::string name_;
  std::vector<Sample> samples_;
  std::vector<int32_t> frame_to_sample_;
};

}  // namespace odvd
