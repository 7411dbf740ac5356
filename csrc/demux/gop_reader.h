// Reads a VideoFile's samples back as packets a decoder takes on its own: Annex-B (H.264 / HEVC NAL
// lengths turned into start codes), every key frame -- and the first sample when a decoder begins
// there -- carrying the parameter sets it needs (AV1: the sequence header). MP4 / MOV samples are read
// with pread straight to where they go; other containers through a demuxer of the reader's own.
//
// A reader holds what changes as a file is read, apart from the immutable VideoFile: the demuxer's
// position, which key frames were found to carry their parameter sets in band, and non-reference
// flags learned from the NAL headers of the packets read (PacketSequence). One user at a time: hold
// lock() around each job.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/ffmpeg.h"
#include "demux/demuxer.h"
#include "demux/video_file.h"
#include "gop/gop_plan.h"

namespace odvd {

class GopReader {
 public:
  explicit GopReader(std::shared_ptr<const VideoFile> file);

  const VideoFile& file() const { return *file_; }
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

  // The file's samples as a GopPlan sequence: frame ids and flags, including the non-reference flags
  // learned from the packets read so far. Caller holds lock().
  const PacketSequence& sequence() const { return sequence_; }

  // Samples first..last (decode order) as packets; the first carries the parameter sets when it
  // `starts_sequence` (a decoder begins there). Caller holds lock().
  std::vector<ff::PacketPtr> read_samples(int32_t first, int32_t last, bool starts_sequence = true);

  // The same bytes back to back in one buffer, for bundles: `alloc(capacity)` supplies the memory,
  // and the samples are read straight into it where the container allows (MP4/MOV with 4-byte NAL
  // lengths: pread into place, lengths turned into start codes in place). Caller holds lock().
  struct Payload {
    std::vector<uint64_t> offset;  // per sample first..last, into the buffer
    std::vector<uint32_t> size;
    size_t used = 0;               // bytes written (<= the capacity asked for)
  };
  Payload read_payload(int32_t first, int32_t last, const std::function<uint8_t*(size_t)>& alloc);

 private:
  // MP4/MOV with 4-byte NAL lengths (or none): samples are byte ranges read and converted in place.
  bool reads_in_place() const;
  Payload read_in_place(int32_t first, int32_t last, bool starts_sequence,
                        const std::function<uint8_t*(size_t)>& alloc);
  std::vector<ff::PacketPtr> read_by_position(int32_t first, int32_t last);
  void to_annexb(std::vector<ff::PacketPtr>& packets, bool starts_sequence);
  // Whether a sample carries the configuration it needs (SPS / AV1 sequence header) itself.
  bool has_config(const uint8_t* data, size_t size) const;
  void learn_nonref(int32_t sample, const uint8_t* data, size_t size);

  std::shared_ptr<const VideoFile> file_;
  std::unique_ptr<Demuxer> demuxer_;   // taken on first need (files not read by position)
  std::vector<uint8_t> config_state_;  // per sample: 0 unknown, kHasConfig, kLacksConfig
  PacketSequence sequence_;
  std::mutex mutex_;
};

}  // namespace odvd
