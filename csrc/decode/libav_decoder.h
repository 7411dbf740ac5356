// One libavcodec decoder fed packets in decode order and drained, the send / receive loop shared by
// the CPU backend (software decoding, frame threads) and the NVDEC-through-FFmpeg backend (the same
// decoder with a CUDA hardware device). Each packet's pts is set to the frame_id it produces, so every
// output frame says which frame it is, whatever the reordering (B-frames, open GOP).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/ffmpeg.h"
#include "common/stream_params.h"
#include "decode/feed_packet.h"

namespace odvd {

// What a decoder does with data it reports as damaged (DecoderBackend::strict).
//  lenient: a packet libavcodec refuses is dropped and every picture put out after it in the same
//    sequence is marked damaged (its decode error flags set), as are the pictures libavcodec itself
//    flags; a target it never puts out is then reported missing by the engine;
//  strict: libavcodec aborts on every error it detects (AV_EF_EXPLODE, CRC and bitstream checks) and
//    the error is raised, naming the frame; no frame threads, so what is reported does not depend on
//    thread timing.
enum class ErrorPolicy { kLenient, kStrict };

class LibavDecoder {
 public:
  // Opens `decoder` with `threads` threads; `configure` (optional) adjusts the context before it is
  // opened (a hardware device, get_format). runtime_error when it cannot be opened.
  LibavDecoder(const AVCodec* decoder, int threads, ErrorPolicy policy,
               const std::function<void(AVCodecContext*)>& configure = nullptr);
  int threads() const { return threads_; }
  AVCodecContext* context() { return ctx_.get(); }

  using OnFrame = std::function<void(int64_t frame_id, const AVFrame* frame)>;

  // Feeds one packet and hands over what comes out (frames with a frame_id >= 0). `context` names the
  // source in errors: invalid_argument (ValueError) for data that does not decode (strict policy).
  void send(const FeedPacket& f, const OnFrame& on_frame, const std::string& context);
  // Ends the stream and hands over the rest.
  void drain(const OnFrame& on_frame, const std::string& context);
  // Ready for a new sequence: after a drain, after an error, or to start over at a key frame.
  void reset() noexcept;

 private:
  void receive_all(const OnFrame& on_frame, const std::string& context);
  // An error from libavcodec while decoding up to `frame_id`: raised (strict) or remembered (lenient).
  void damaged(int averror, const char* call, int64_t frame_id, const std::string& context);

  int threads_;
  ErrorPolicy policy_;
  bool damaged_ = false;  // lenient: an error since the last reset (later pictures are marked)
  ff::CodecContextPtr ctx_;
  ff::PacketPtr pkt_;
  ff::FramePtr frame_;
  int64_t seq_ = 0;  // decode position since the last reset (the packets' dts)
};

// The decoder the ffmpeg CLI picks for `codec` (the first registered: libdav1d for AV1), so software
// frames match the CLI's reference bit for bit; runtime_error when this FFmpeg has none.
const AVCodec* default_decoder(Codec codec);

}  // namespace odvd
