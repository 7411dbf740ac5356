// The CPU backend: one libavcodec decoder (frame threads), fed a run of Annex-B packets in decode
// order and drained. Each packet's pts is set to the frame_id it produces, so every output frame
// says which frame it is, whatever the reordering (B-frames, open GOP).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/ffmpeg.h"
#include "common/stream_params.h"

namespace odvd {

struct FeedPacket {
  const uint8_t* data = nullptr;  // used when `packet` is null; copied into a padded buffer
  size_t size = 0;
  const AVPacket* packet = nullptr;  // referenced (no copy) when given
  int64_t frame_id = -1;             // < 0: the packet's picture is not shown (or not wanted)
  bool key = false;
};

class CpuDecoder {
 public:
  CpuDecoder(Codec codec, int threads);
  Codec codec() const { return codec_; }
  int threads() const { return threads_; }

  using OnFrame = std::function<void(int64_t, const AVFrame*)>;

  // Feeds `feed`, drains, calls on_frame(frame_id, frame) for each output with a frame_id >= 0, then
  // resets for the next run. `context` names the source in error messages (ValueError on bad data).
  void run(const std::vector<FeedPacket>& feed, const OnFrame& on_frame, const std::string& context);

  // The same one step at a time, for readers that keep a decoder going between calls: send() feeds one
  // packet and hands over what comes out; drain() ends the stream and hands over the rest; reset()
  // makes the decoder ready for a new sequence (after drain(), or to start over at a key frame).
  void send(const FeedPacket& f, const OnFrame& on_frame, const std::string& context);
  void drain(const OnFrame& on_frame, const std::string& context);
  void reset();

 private:
  void receive_all(const OnFrame& on_frame, const std::string& context);

  Codec codec_;
  int threads_;
  ff::CodecContextPtr ctx_;
  ff::PacketPtr pkt_;
  ff::FramePtr frame_;
  int64_t seq_ = 0;  // decode position since the last reset (the packets' dts)
};

}  // namespace odvd
