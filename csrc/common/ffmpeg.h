// RAII handles for the FFmpeg objects the engine holds, declared once, and the check macro that turns
// an AVERROR into an exception of the type its meaning calls for (common/error.h).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <memory>
#include <string>

namespace odvd::ff {

struct FormatCloser {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct BsfFreer {
  void operator()(AVBSFContext* p) const { av_bsf_free(&p); }
};
struct CodecParFreer {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};

using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using BsfPtr = std::unique_ptr<AVBSFContext, BsfFreer>;
using CodecParPtr = std::unique_ptr<AVCodecParameters, CodecParFreer>;

PacketPtr make_packet();
FramePtr make_frame();

// av_strerror as a string.
std::string error_string(int averror);

// Throws for a negative AVERROR: ENOENT -> FileNotFound, ENOMEM -> runtime_error, everything else
// (invalid data, unsupported stream, I/O on a truncated file) -> invalid_argument, i.e. ValueError:
// the input is unreadable, which is the caller's data, not the environment.
[[noreturn]] void throw_averror(int averror, const std::string& call, const std::string& context);

}  // namespace odvd::ff

// Checks an FFmpeg call that returns a negative AVERROR on failure; `context` names the file etc.
#define ODVD_CHECK_AV(call, context)                                      \
  do {                                                                    \
    const int odvd_av_ret_ = (call);                                      \
    if (odvd_av_ret_ < 0) ::odvd::ff::throw_averror(odvd_av_ret_, #call, (context)); \
  } while (0)
