// One file read forward by a decoder that stays open between calls (PyNvSampleReader): a request for
// a frame ahead of where the decoder stands -- the next frame, or a jump inside the GOP or into the
// next one -- continues decoding from there without seeking, so walking a clip forward decodes each
// frame once. A frame behind, or beyond the start of a later GOP, restarts at the key frame the
// GopPlan names (PacketSequence::decode_start: the previous GOP's for open-GOP leading pictures).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "decode/backend.h"
#include "demux/gop_reader.h"

namespace odvd {

// What the readers did, for tests and benchmarks: packets fed, pictures the decoders put out, restarts.
struct ReaderCounters {
  uint64_t packets_fed = 0;
  uint64_t frames_decoded = 0;
  uint64_t seeks = 0;
};

class StreamReader {
 public:
  StreamReader(std::shared_ptr<const VideoFile> file, std::shared_ptr<DecoderBackend> backend);
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  const VideoFile& file() const { return reader_.file(); }
  // Frame `frame_id` in the `out` format; IndexError naming the file for an id out of range.
  // `threads`: libavcodec threads, used when the decoder is first taken. Not thread-safe.
  FramePtr read(int64_t frame_id, OutputFormat out, int threads, ReaderCounters& counters);
  // Gives the decoder back (the next read starts over at a key frame).
  void release_decoder();

 private:
  void restart(int32_t start, ReaderCounters& counters);
  // Reads the next few packets into queue_; false at the end of the file.
  bool refill();
  FramePtr deliver(int64_t frame_id, FramePtr frame, OutputFormat out);

  GopReader reader_;
  std::shared_ptr<DecoderBackend> backend_;
  std::string context_;
  std::unique_ptr<Decoder> dec_;  // taken from backend_ on the first read, given back by release_decoder
  bool live_ = false;       // fed since the last restart and not drained: can continue
  int32_t next_ = 0;        // next sample to read from the file
  int64_t last_out_ = -1;   // highest frame_id put out since the restart
  std::deque<std::pair<int32_t, ff::PacketPtr>> queue_;          // read, not yet fed (sample, packet)
  std::map<int64_t, std::unique_ptr<DecodedPicture>> ready_;     // put out ahead of their request
  int64_t last_id_ = -1;    // the frame returned last, for a request that repeats it
  OutputFormat last_format_ = OutputFormat::kNative;
  FramePtr last_frame_;
};

}  // namespace odvd
