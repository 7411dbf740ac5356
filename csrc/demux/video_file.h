// One source file: its container opened once, the best video stream selected, its StreamParams and
// StreamIndex built once, and its GOPs read back as Annex-B packets on demand.
#pragma once

#include <cstdint>
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
  explicit VideoFile(const std::string& path);
  ~VideoFile();

  const std::string& path() const { return path_; }
  const StreamParams& params() const { return params_; }
  const StreamIndex& index() const { return index_; }
  // Whether the file on disk is still the one indexed (size and modification time).
  bool unchanged_on_disk() const;

  // Holds the file for one job: reads, seeks and non-reference flags are not thread-safe.
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

  // Samples first..last (decode order) as Annex-B packets (H.264/HEVC), the first and every key frame
  // carrying the parameter sets they need (AV1: the sequence header); learns their non-reference flags into the
  // index. Caller holds lock().
  std::vector<ff::PacketPtr> read_samples(int32_t first, int32_t last);

 private:
  void open_container();
  void select_stream();
  void fill_params();
  void build_index();
  std::vector<Sample> scan_packets();
  std::vector<ff::PacketPtr> read_payloads_direct(int32_t first, int32_t last);
  std::vector<ff::PacketPtr> read_payloads_demuxed(int32_t first, int32_t last);
  void to_annexb(std::vector<ff::PacketPtr>& packets);

  std::string path_;
  std::unique_ptr<FileIO> io_;
  ff::FormatPtr fmt_;
  ff::BsfPtr bsf_;
  int stream_ = -1;
  bool mov_family_ = false;       // sample payloads are plain byte ranges: read with pread
  bool hevc_single_sublayer_ = false;
  int length_size_ = 0;            // NAL length prefix bytes of length-prefixed H.264/HEVC
  std::vector<uint8_t> annexb_parameter_sets_;  // prepended to a GOP whose key lacks them
  StreamParams params_;
  StreamIndex index_;
  std::mutex mutex_;
};

}  // namespace odvd
