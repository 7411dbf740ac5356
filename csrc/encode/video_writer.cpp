#include "encode/video_writer.h"

#include <stdexcept>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
}

#include "encode/rgb_to_yuv.h"

namespace odvd::encode {
namespace {

struct DictFreer {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

// The encoder's name for a codec, and what to install when this FFmpeg has none.
const char* encoder_name(const std::string& codec) {
  if (codec == "h264") return "libx264";
  if (codec == "hevc") return "libx265";
  throw std::invalid_argument("codec='" + codec + "' (write_video writes 'h264' or 'hevc')");
}

[[noreturn]] void no_encoder(const std::string& codec, const char* name) {
  throw std::runtime_error(
      "this FFmpeg has no " + std::string(name) + " encoder for codec='" + codec +
      "' (the self-contained wheel carries decoders only). Install this package from source against a "
      "system FFmpeg that has it (Debian/Ubuntu: apt-get install libavcodec-dev libavformat-dev, whose "
      "libavcodec is built with libx264 and libx265; then pip install --no-binary on_demand_video_decoder "
      "on_demand_video_decoder), or write with PyAV / the ffmpeg CLI");
}

}  // namespace

void OutputCloser::operator()(AVFormatContext* p) const {
  if (p == nullptr) return;
  if (p->pb != nullptr && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
  avformat_free_context(p);
}

VideoWriter::VideoWriter(const std::string& path, const WriterOptions& o) : path_(path), options_(o) {
  const char* name = encoder_name(o.codec);
  const AVCodec* codec = avcodec_find_encoder_by_name(name);
  if (codec == nullptr) no_encoder(o.codec, name);
  const std::string context = "'" + path + "'";

  AVFormatContext* oc = nullptr;
  ODVD_CHECK_AV(avformat_alloc_output_context2(&oc, nullptr, "mp4", path.c_str()), context);
  out_.reset(oc);

  enc_.reset(avcodec_alloc_context3(codec));
  if (!enc_) throw std::bad_alloc();
  AVCodecContext* c = enc_.get();
  c->width = o.width;
  c->height = o.height;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = AVRational{o.fps_den, o.fps_num};
  c->framerate = AVRational{o.fps_num, o.fps_den};
  c->gop_size = o.gop;
  c->keyint_min = o.gop;
  c->max_b_frames = o.bframes;
  c->flags |= AV_CODEC_FLAG_CLOSED_GOP;
  c->color_range = AVCOL_RANGE_MPEG;
  c->colorspace = AVCOL_SPC_BT709;
  c->color_primaries = AVCOL_PRI_BT709;
  c->color_trc = AVCOL_TRC_BT709;
  c->chroma_sample_location = AVCHROMA_LOC_CENTER;  // where rgb_to_yuv puts the chroma samples
  c->sample_aspect_ratio = AVRational{1, 1};
  if (out_->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  AVDictionary* raw = nullptr;
  const int crf = o.crf >= 0 ? o.crf : (o.codec == "hevc" ? 20 : 18);
  av_dict_set(&raw, "preset", o.preset.c_str(), 0);
  av_dict_set_int(&raw, "crf", crf, 0);
  // No scene-cut key frames (every GOP exactly `gop` long) and closed GOPs, in the encoder's words.
  const std::string gop = std::to_string(o.gop), bf = std::to_string(o.bframes);
  if (o.codec == "h264") {
    av_dict_set(&raw, "x264-params", ("scenecut=0:open-gop=0:keyint=" + gop + ":min-keyint=" + gop).c_str(), 0);
  } else {
    av_dict_set(&raw, "x265-params",
                ("scenecut=0:open-gop=0:keyint=" + gop + ":min-keyint=" + gop + ":bframes=" + bf + ":log-level=error")
                    .c_str(), 0);
  }
  std::unique_ptr<AVDictionary, DictFreer> opts(raw);
  raw = opts.release();
  const int ret = avcodec_open2(c, codec, &raw);
  opts.reset(raw);
  if (ret < 0) {
    throw std::invalid_argument(context + ": " + name + " refused the settings (" + std::to_string(o.width) + "x" +
                                std::to_string(o.height) + ", preset='" + o.preset + "', crf=" + std::to_string(crf) +
                                "): " + ff::error_string(ret));
  }
  if (av_dict_count(opts.get()) > 0) {
    const AVDictionaryEntry* e = av_dict_get(opts.get(), "", nullptr, AV_DICT_IGNORE_SUFFIX);
    throw std::invalid_argument(context + ": " + name + " does not take the option '" + e->key + "'");
  }

  stream_ = avformat_new_stream(out_.get(), nullptr);
  if (stream_ == nullptr) throw std::bad_alloc();
  stream_->time_base = c->time_base;
  stream_->avg_frame_rate = c->framerate;
  ODVD_CHECK_AV(avcodec_parameters_from_context(stream_->codecpar, c), context);
  if (o.codec == "hevc") stream_->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1');  // playable by Apple's players

  ODVD_CHECK_AV(avio_open(&out_->pb, path.c_str(), AVIO_FLAG_WRITE), context);
  AVDictionary* mux_raw = nullptr;
  av_dict_set(&mux_raw, "movflags", "+faststart", 0);
  const int hret = avformat_write_header(out_.get(), &mux_raw);
  av_dict_free(&mux_raw);
  ODVD_CHECK_AV(hret, context);
  header_written_ = true;

  frame_ = ff::make_frame();
  frame_->format = AV_PIX_FMT_YUV420P;
  frame_->width = o.width;
  frame_->height = o.height;
  ODVD_CHECK_AV(av_frame_get_buffer(frame_.get(), 0), context);
  packet_ = ff::make_packet();
}

VideoWriter::~VideoWriter() = default;  // an unclosed writer's file is incomplete: the caller removes it

void VideoWriter::write(const uint8_t* rgb, ptrdiff_t stride) {
  if (closed_) throw std::logic_error("write after close");
  const std::string context = "'" + path_ + "'";
  ODVD_CHECK_AV(av_frame_make_writable(frame_.get()), context);
  rgb_to_yuv420_bt709(rgb, stride, options_.width, options_.height, frame_->data[0], frame_->linesize[0],
                      frame_->data[1], frame_->linesize[1], frame_->data[2], frame_->linesize[2]);
  frame_->pts = next_pts_++;
  ODVD_CHECK_AV(avcodec_send_frame(enc_.get(), frame_.get()), context);
  drain(false);
}

void VideoWriter::drain(bool flushing) {
  const std::string context = "'" + path_ + "'";
  while (true) {
    const int ret = avcodec_receive_packet(enc_.get(), packet_.get());
    if (ret == AVERROR(EAGAIN) || (flushing && ret == AVERROR_EOF)) return;
    ODVD_CHECK_AV(ret, context);
    av_packet_rescale_ts(packet_.get(), enc_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    ODVD_CHECK_AV(av_interleaved_write_frame(out_.get(), packet_.get()), context);
  }
}

void VideoWriter::close() {
  if (closed_) return;
  closed_ = true;
  const std::string context = "'" + path_ + "'";
  ODVD_CHECK_AV(avcodec_send_frame(enc_.get(), nullptr), context);
  drain(true);
  ODVD_CHECK_AV(av_write_trailer(out_.get()), context);
  if (!(out_->oformat->flags & AVFMT_NOFILE)) ODVD_CHECK_AV(avio_closep(&out_->pb), context);
}

}  // namespace odvd::encode
