#include "demux/demuxer.h"

#include <cstring>
#include <stdexcept>

#include "common/error.h"

namespace odvd {

namespace {

std::string describe(const std::vector<StreamEntry>& streams) {
  std::string text;
  for (const StreamEntry& e : streams) {
    text += (text.empty() ? "" : ", ") + std::to_string(e.index) + " " + e.kind + " (" + e.codec + ")";
  }
  return text.empty() ? "none" : text;
}

}  // namespace

Demuxer::Demuxer(const std::string& path, std::shared_ptr<FileIO> io, int stream_index)
    : path_(path), io_(io ? std::move(io) : std::make_shared<FileIO>(path)) {
  path_ = io_->name();  // a source's label rather than its registered name
  AVFormatContext* ctx = avformat_alloc_context();
  if (!ctx) throw std::bad_alloc();
  ctx->pb = io_->avio();
  ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  const int r = avformat_open_input(&ctx, path_.c_str(), nullptr, nullptr);  // frees ctx on failure
  if (r < 0) throw DataError("'" + path_ + "' is not a readable video file: " + ff::error_string(r));
  fmt_.reset(ctx);

  auto choose = [&] {
    if (stream_index < 0) return av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (stream_index >= static_cast<int>(fmt_->nb_streams)) {
      throw std::invalid_argument("'" + path_ + "' has no stream_index=" + std::to_string(stream_index) + " (its " +
                                  std::to_string(fmt_->nb_streams) + " streams: " + describe(streams()) + ")");
    }
    return fmt_->streams[stream_index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO ? stream_index : -1;
  };
  int best = choose();
  AVCodecParameters* par = best >= 0 ? fmt_->streams[best]->codecpar : nullptr;
  if (best < 0 || par->codec_id == AV_CODEC_ID_NONE || par->width <= 0 || par->height <= 0) {
    // Containers without the facts in their header (raw streams, MPEG-TS) need probing.
    find_stream_info();
    best = choose();
  }
  if (best < 0 && stream_index >= 0) {
    throw std::invalid_argument("'" + path_ + "': stream_index=" + std::to_string(stream_index) +
                                " is not a video stream (its streams: " + describe(streams()) + ")");
  }
  if (best < 0) throw DataError("'" + path_ + "' has no video stream");
  stream_ = best;
  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    fmt_->streams[i]->discard = static_cast<int>(i) == stream_ ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  }
}

Demuxer::~Demuxer() {
  fmt_.reset();  // before io_: the format context reads through it
  io_.reset();
}

std::vector<StreamEntry> Demuxer::streams() const {
  std::vector<StreamEntry> out;
  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    const AVCodecParameters* par = fmt_->streams[i]->codecpar;
    StreamEntry e;
    e.index = static_cast<int>(i);
    const char* kind = av_get_media_type_string(par->codec_type);
    e.kind = kind ? kind : "unknown";
    e.codec = avcodec_get_name(par->codec_id);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      e.width = par->width;
      e.height = par->height;
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool Demuxer::mov_family() const { return std::strstr(fmt_->iformat->name, "mov") != nullptr; }

void Demuxer::find_stream_info() {
  if (stream_info_read_) return;
  stream_info_read_ = true;
  const int r = avformat_find_stream_info(fmt_.get(), nullptr);
  if (r < 0) throw DataError("'" + path_ + "': cannot read stream parameters: " + ff::error_string(r));
}

std::vector<Sample> Demuxer::scan(Codec codec, bool skip_payload, std::vector<uint8_t>* first_packet) {
  struct PayloadMode {  // normal reads again afterwards, also when scanning throws
    Demuxer* d;
    bool on;
    PayloadMode(Demuxer* d, bool on) : d(d), on(on) {
      if (!on) return;
      d->io_->set_skip_payload(true);
      d->fmt_->flags |= AVFMT_FLAG_NOPARSE;
    }
    ~PayloadMode() {
      if (!on) return;
      d->io_->set_skip_payload(false);
      d->fmt_->flags &= ~AVFMT_FLAG_NOPARSE;
    }
  } mode(this, skip_payload);

  std::vector<Sample> samples;
  ff::PacketPtr pkt = ff::make_packet();
  for (;;) {
    const int r = av_read_frame(fmt_.get(), pkt.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) {
      if (!samples.empty()) break;  // unreadable tail (truncated file): keep what is complete
      throw DataError("'" + path_ + "': cannot read packets: " + ff::error_string(r));
    }
    if (pkt->stream_index == stream_) {
      // A sample cut off by the end of the file is not a frame: stop at the first one.
      if (pkt->flags & AV_PKT_FLAG_CORRUPT) {
        av_packet_unref(pkt.get());
        break;
      }
      if (first_packet && samples.empty() && !skip_payload) first_packet->assign(pkt->data, pkt->data + pkt->size);
      Sample s;
      s.pos = pkt->pos;
      s.size = pkt->size;
      s.dts = pkt->dts;
      s.pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      if (s.pts == AV_NOPTS_VALUE) {
        throw DataError("'" + path_ + "': packets without timestamps are not supported");
      }
      if (pkt->flags & AV_PKT_FLAG_KEY) s.flags |= kSampleKey;
      if (pkt->flags & AV_PKT_FLAG_DISCARD) s.flags |= kSampleDiscard;
      // FFmpeg's disposable flag is trusted for H.264/HEVC only: for AV1 (libsvtav1 in MP4 sdtp) it
      // marks temporal units whose shown frame is non-reference although the same packet carries a
      // hidden reference frame, so skipping them breaks the GOP.
      if ((pkt->flags & AV_PKT_FLAG_DISPOSABLE) && (codec == Codec::kH264 || codec == Codec::kHEVC)) {
        s.flags |= kSampleNonRef;
      }
      samples.push_back(s);
    }
    av_packet_unref(pkt.get());
  }
  return samples;
}

std::vector<ff::PacketPtr> Demuxer::read(const std::vector<Sample>& s, int32_t first, int32_t last) {
  const int64_t ts = s[first].dts != AV_NOPTS_VALUE ? s[first].dts : s[first].pts;
  std::vector<ff::PacketPtr> out;
  ff::PacketPtr pkt = ff::make_packet();
  for (int attempt = 0; attempt < 2 && out.empty(); ++attempt) {
    // First try a seek to the key frame's time; if the demuxer lands after it, read from the start.
    int r = attempt == 0 ? av_seek_frame(fmt_.get(), stream_, ts, AVSEEK_FLAG_BACKWARD)
                         : avformat_seek_file(fmt_.get(), -1, INT64_MIN, INT64_MIN, INT64_MIN, 0);
    if (r < 0) r = av_seek_frame(fmt_.get(), -1, 0, AVSEEK_FLAG_BYTE);
    if (r < 0) continue;
    int32_t next = first;
    for (;;) {
      r = av_read_frame(fmt_.get(), pkt.get());
      if (r < 0) break;
      if (pkt->stream_index != stream_) {
        av_packet_unref(pkt.get());
        continue;
      }
      if (out.empty() && pkt->pos != s[first].pos) {
        const bool overshot = pkt->pos > s[first].pos;
        av_packet_unref(pkt.get());
        if (overshot) break;
        continue;
      }
      if (pkt->pos != s[next].pos) {
        av_packet_unref(pkt.get());
        throw DataError("'" + path_ + "': the demuxer returned packets out of index order at sample " +
                        std::to_string(next) + " (the file changed or its index is inconsistent)");
      }
      ff::PacketPtr p = ff::make_packet();
      av_packet_move_ref(p.get(), pkt.get());
      out.push_back(std::move(p));
      if (++next > last) break;
    }
    if (!out.empty() && next <= last) {
      throw DataError("'" + path_ + "': samples " + std::to_string(next) + ".." + std::to_string(last) +
                      " cannot be read (" + ff::error_string(r) + ")");
    }
  }
  if (out.empty()) {
    throw DataError("'" + path_ + "': cannot seek to sample " + std::to_string(first) + " (stream " +
                    std::to_string(stream_) + ")");
  }
  return out;
}

}  // namespace odvd
