#include "decode/libav_decoder.h"

#include <cstring>
#include <stdexcept>

namespace odvd {
namespace {

AVCodecID ff_codec(Codec c) {
  switch (c) {
    case Codec::kH264: return AV_CODEC_ID_H264;
    case Codec::kHEVC: return AV_CODEC_ID_HEVC;
    case Codec::kVP9: return AV_CODEC_ID_VP9;
    case Codec::kAV1: return AV_CODEC_ID_AV1;
  }
  return AV_CODEC_ID_NONE;
}

}  // namespace

const AVCodec* default_decoder(Codec codec) {
  const AVCodec* dec = avcodec_find_decoder(ff_codec(codec));
  if (!dec) throw std::runtime_error(std::string("this FFmpeg has no decoder for ") + codec_name(codec));
  return dec;
}

LibavDecoder::LibavDecoder(const AVCodec* decoder, int threads, ErrorPolicy policy,
                           const std::function<void(AVCodecContext*)>& configure)
    : threads_(threads), policy_(policy), pkt_(ff::make_packet()), frame_(ff::make_frame()) {
  ctx_.reset(avcodec_alloc_context3(decoder));
  if (!ctx_) throw std::bad_alloc();
  ctx_->thread_count = threads;
  ctx_->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (policy == ErrorPolicy::kStrict) {
    ctx_->err_recognition |= AV_EF_EXPLODE | AV_EF_CRCCHECK | AV_EF_BITSTREAM;
    ctx_->thread_type = FF_THREAD_SLICE;  // frame threads report errors a frame or more late
  }
  if (std::strcmp(decoder->name, "libdav1d") == 0) {
    // dav1d 1.0.0 (Debian 12's, and the wheel's) can deadlock in dav1d_send_data with frame threads
    // on damaged input (tests/fuzz_repro). Low delay makes libavcodec ask it for one frame in flight
    // (max_frame_delay 1): no frame threads; its tile and post-filter threads stay.
    ctx_->flags |= AV_CODEC_FLAG_LOW_DELAY;
  }
  if (configure) configure(ctx_.get());
  const int r = avcodec_open2(ctx_.get(), decoder, nullptr);
  if (r < 0) {
    throw std::runtime_error(std::string("opening the libavcodec decoder '") + decoder->name +
                             "' failed: " + ff::error_string(r));
  }
}

void LibavDecoder::damaged(int averror, const char* call, int64_t frame_id, const std::string& context) {
  if (averror == AVERROR(ENOMEM)) throw std::bad_alloc();
  if (policy_ == ErrorPolicy::kStrict) {
    ff::throw_averror(averror, call,
                      context + ": damaged data" + (frame_id >= 0 ? " at frame_id=" + std::to_string(frame_id) : ""));
  }
  damaged_ = true;
}

void LibavDecoder::receive_all(const OnFrame& on_frame, const std::string& context) {
  for (;;) {
    const int r = avcodec_receive_frame(ctx_.get(), frame_.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
    if (r < 0) {
      damaged(r, "avcodec_receive_frame", pkt_->pts, context);
      return;  // lenient: the next call goes on
    }
    const int64_t id = frame_->pts;
    struct Unref {  // the frame goes back to the decoder also when on_frame throws
      AVFrame* f;
      ~Unref() { av_frame_unref(f); }
    } unref{frame_.get()};
    // Lenient: a picture put out after a refused packet may reference it.
    if (damaged_) frame_->decode_error_flags |= FF_DECODE_ERROR_INVALID_BITSTREAM;
    if (id != AV_NOPTS_VALUE && id >= 0) on_frame(id, frame_.get());
  }
}

void LibavDecoder::send(const FeedPacket& f, const OnFrame& on_frame, const std::string& context) {
  av_packet_unref(pkt_.get());
  if (f.packet) {
    ODVD_CHECK_AV(av_packet_ref(pkt_.get(), f.packet), context);
  } else {
    if (av_new_packet(pkt_.get(), static_cast<int>(f.size)) < 0) throw std::bad_alloc();
    std::memcpy(pkt_->data, f.data, f.size);
  }
  pkt_->pts = f.frame_id >= 0 ? f.frame_id : AV_NOPTS_VALUE;
  pkt_->dts = seq_++;
  pkt_->duration = 0;
  if (f.key) pkt_->flags |= AV_PKT_FLAG_KEY;
  for (;;) {
    const int r = avcodec_send_packet(ctx_.get(), pkt_.get());
    if (r == AVERROR(EAGAIN)) {
      receive_all(on_frame, context);
      continue;
    }
    if (r < 0) damaged(r, "avcodec_send_packet", f.frame_id, context);  // lenient: the packet is dropped
    break;
  }
  receive_all(on_frame, context);
  av_packet_unref(pkt_.get());
}

void LibavDecoder::drain(const OnFrame& on_frame, const std::string& context) {
  // A decoder may report the error of an earlier packet here.
  const int r = avcodec_send_packet(ctx_.get(), nullptr);
  if (r < 0 && r != AVERROR_EOF) damaged(r, "avcodec_send_packet (end of stream)", -1, context);
  receive_all(on_frame, context);
}

void LibavDecoder::reset() noexcept {
  avcodec_flush_buffers(ctx_.get());
  seq_ = 0;
  damaged_ = false;
}

}  // namespace odvd
