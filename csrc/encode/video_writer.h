// Writes RGB frames to an MP4 through libavcodec's H.264 (libx264) or HEVC (libx265) encoder, with
// settings that make the file fast to random-access with this library: a closed GOP of a fixed
// length, no B-frames unless asked, constant frame rate, BT.709 limited-range tags, the moov box
// first (faststart). docs/writer.md. The caller writes to a temporary path and renames it (the
// Python layer's write_video: nothing partial is ever left under the user's name).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/ffmpeg.h"

namespace odvd::encode {

struct WriterOptions {
  std::string codec = "h264";  // "h264" (libx264) or "hevc" (libx265)
  int width = 0, height = 0;   // even
  int fps_num = 30, fps_den = 1;
  int gop = 30;                // frames per GOP (every GOP starts with a key frame, closed)
  int bframes = 0;
  int crf = -1;                // -1: the codec's default below (docs/writer.md)
  std::string preset = "medium";
};

// An output AVFormatContext: its file closed, then the context freed.
struct OutputCloser {
  void operator()(AVFormatContext* p) const;
};
using OutputPtr = std::unique_ptr<AVFormatContext, OutputCloser>;

class VideoWriter {
 public:
  // Opens `path` for writing; RuntimeError when this FFmpeg has no such encoder (naming what to
  // install) or the MP4 muxer, ValueError for options the encoder refuses.
  VideoWriter(const std::string& path, const WriterOptions& options);
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // One frame: height rows of width * 3 RGB bytes, `stride` bytes apart.
  void write(const uint8_t* rgb, ptrdiff_t stride);
  // Flushes the encoder and writes the trailer (moving the moov box to the front). Idempotent.
  void close();
  int64_t frames_written() const { return next_pts_; }

 private:
  void drain(bool flushing);

  std::string path_;
  WriterOptions options_;
  OutputPtr out_;
  ff::CodecContextPtr enc_;
  ff::FramePtr frame_;
  ff::PacketPtr packet_;
  AVStream* stream_ = nullptr;
  int64_t next_pts_ = 0;
  bool header_written_ = false;
  bool closed_ = false;
};

}  // namespace odvd::encode
