// One source file: its container opened once, the best video stream selected, its StreamParams and
// StreamIndex built once, and its GOPs read back as Annex-B packets on demand.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/ffmpeg.h"
#include "common/stream_params.h"
#include "demux/file_io.h"
#include "index/stream_index.h"

namespace odvd {

class VideoFile {
 public:
  // Opens and indexes `path`. FileNotFound for a missing file, invalid_argument (ValueError) for a
  // file that is not a readable video (no video stream, unknown format, unsupported codec).
  // `direct_mp4`: read the moov of a plain MP4/MOV directly (demux/mp4_index.h); false forces
  // libavformat's demuxer (tests compare the two).
  explicit VideoFile(const std::string& path, bool direct_mp4 = true);
  ~VideoFile();

  const std::string& path() const { return path_; }
  const StreamParams& params() const { return params_; }
  const StreamIndex& index() const { return index_; }
  // Whether the index came from reading the MP4 sample tables directly rather than the demuxer.
  bool indexed_directly() const { return !fmt_; }
  // Whether the file on disk is still the one indexed (device, inode, size, mtime and ctime).
  bool unchanged_on_disk() const;

  // Holds the file for one job: reads, seeks and non-reference flags are not thread-safe.
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

  // Samples first..last (decode order) as Annex-B packets (H.264/HEVC), every key frame -- and the
  // first sample when it `starts_sequence` (a decoder begins there) -- carrying the parameter sets it
  // needs (AV1: the sequence header); learns their non-reference flags into the index. Caller holds
  // lock().
  std::vector<ff::PacketPtr> read_samples(int32_t first, int32_t last, bool starts_sequence = true);

  // The same bytes back to back in one buffer, for bundles: `alloc(capacity)` supplies the memory,
  // and the samples are read straight into it where the container allows (MP4/MOV: pread into place,
  // NAL lengths turned into start codes in place). Caller holds lock().
  struct Payload {
    std::vector<uint64_t> offset;  // per sample first..last, into the buffer
    std::vector<uint32_t> size;
    size_t used = 0;               // bytes written (<= the capacity asked for)
  };
  Payload read_payload(int32_t first, int32_t last, const std::function<uint8_t*(size_t)>& alloc);

 private:
  void open_container();
  void select_stream();
  void fill_params(AVCodecParameters* par, AVRational time_base);
  void build_index();
  std::vector<Sample> scan_packets();
  // MP4/MOV with 4-byte NAL lengths (or none): samples are byte ranges read in place with pread.
  bool reads_in_place() const { return mov_family_ && (!bsf_ || length_size_ == 4); }
  Payload read_in_place(int32_t first, int32_t last, bool starts_sequence,
                        const std::function<uint8_t*(size_t)>& alloc);
  std::vector<ff::PacketPtr> read_payloads_demuxed(int32_t first, int32_t last);
  void to_annexb(std::vector<ff::PacketPtr>& packets, bool starts_sequence);
  // The 4-byte NAL lengths of one sample turned into start codes, in place.
  void lengths_to_start_codes(uint8_t* data, size_t size) const;
  // Whether a sample carries the configuration it needs (SPS / AV1 sequence header) itself.
  bool has_config(const uint8_t* data, size_t size) const;
  void learn_nonref(int32_t sample, const uint8_t* data, size_t size);

  std::string path_;
  std::unique_ptr<FileIO> io_;
  ff::FormatPtr fmt_;
  ff::BsfPtr bsf_;
  int stream_ = -1;
  bool mov_family_ = false;       // sample payloads are plain byte ranges: read with pread
  bool hevc_single_sublayer_ = false;
  int length_size_ = 0;            // NAL length prefix bytes of length-prefixed H.264/HEVC
  std::vector<uint8_t> annexb_parameter_sets_;  // prepended to a GOP whose key lacks them
  std::vector<uint8_t> config_state_;           // per sample: 0 unknown, kHasConfig, kLacksConfig
  StreamParams params_;
  StreamIndex index_;
  std::mutex mutex_;
};

}  // namespace odvd
