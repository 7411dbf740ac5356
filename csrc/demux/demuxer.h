// libavformat over one file: the container opened through our FileIO, the best video stream selected,
// its packets read in file order (to index the file) or from a seek point (to read a GOP back).
// Mutable (a read position, libavformat's caches): one user at a time. Files whose MP4 sample tables
// are read directly (demux/mp4_index.h) never need one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/ffmpeg.h"
#include "common/stream_params.h"
#include "demux/file_io.h"
#include "index/stream_index.h"

namespace odvd {

// One stream of a container, as listed for stream choice (stream_index=).
struct StreamEntry {
  int index = 0;
  std::string kind;   // "video", "audio", "subtitle", "data", "attachment", "unknown"
  std::string codec;  // FFmpeg's codec name ("h264", "aac", ...)
  int width = 0, height = 0;  // video only
};

class Demuxer {
 public:
  // Opens `path` (through `io` when given: a FileIO of the same file, not read through its AVIO yet)
  // and selects its best video stream, or stream `stream_index` when >= 0. FileNotFound for a missing
  // file, invalid_argument (ValueError) for a file that is not a readable video, has no video stream,
  // or whose stream `stream_index` does not exist or is not video (the message lists its streams).
  explicit Demuxer(const std::string& path, std::shared_ptr<FileIO> io = nullptr, int stream_index = -1);
  ~Demuxer();
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

  AVStream* stream() const { return fmt_->streams[stream_]; }
  // Every stream of the container, in index order.
  std::vector<StreamEntry> streams() const;
  // MP4 / MOV (libavformat's "mov" family): sample payloads are plain byte ranges of the file.
  bool mov_family() const;
  const FileIO& io() const { return *io_; }

  // Lets libavformat decode the first frames to learn what the header does not say (raw streams,
  // MPEG-TS, a missing sample format). At most once per context: a second call on a damaged file can
  // crash inside libavformat, so later calls do nothing.
  void find_stream_info();

  // Every sample of the stream in file order, with pos / size / pts / dts / key, discard and (for
  // `codec` H.264 / HEVC) disposable flags; stops at the first sample cut off by the end of the file.
  // `skip_payload`: MP4 / MOV only, the moov tables already list every sample, so payload reads are
  // answered without I/O (demux/file_io.h) and nothing is parsed. `first_packet` (not with
  // skip_payload): receives the bytes of the stream's first packet.
  std::vector<Sample> scan(Codec codec, bool skip_payload, std::vector<uint8_t>* first_packet = nullptr);

  // The packets of samples[first..last] (decode order) as the demuxer returns them, by seeking to the
  // first and reading on; each checked against the index by its position. invalid_argument when they
  // cannot be read.
  std::vector<ff::PacketPtr> read(const std::vector<Sample>& samples, int32_t first, int32_t last);

 private:
  std::string path_;
  std::shared_ptr<FileIO> io_;  // its AVIO is this demuxer's alone; read_at may be shared
  ff::FormatPtr fmt_;
  int stream_ = -1;
  bool stream_info_read_ = false;
};

}  // namespace odvd
