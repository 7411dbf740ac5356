#include "demux/video_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "common/error.h"
#include "common/posix_file.h"
#include "demux/bitstream.h"
#include "demux/mp4_index.h"

namespace odvd {
namespace {

int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

// libavformat's own index of a stream (MP4/MOV: every sample from the moov tables).
int index_entry_count(AVStream* st) {
#if LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(58, 78, 100)
  return avformat_index_get_entries_count(st);
#else
  return st->nb_index_entries;
#endif
}

const AVIndexEntry* index_entry(AVStream* st, int i) {
#if LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(58, 78, 100)
  return avformat_index_get_entry(st, i);
#else
  return &st->index_entries[i];
#endif
}

constexpr uint8_t kHasConfig = 1;
constexpr uint8_t kLacksConfig = 2;

ff::PacketPtr packet_of_size(size_t size) {
  ff::PacketPtr p = ff::make_packet();
  if (av_new_packet(p.get(), static_cast<int>(size)) < 0) throw std::bad_alloc();
  return p;
}

}  // namespace

VideoFile::VideoFile(const std::string& path, bool direct_mp4) : path_(path) {
  io_ = std::make_unique<FileIO>(path_);
  std::optional<Mp4Video> mp4 = direct_mp4 ? read_mp4_index(*io_) : std::nullopt;
  if (mp4) {
    // The sample format must be in the configuration record: else libavformat has to decode a frame.
    const std::vector<uint8_t> record(mp4->par->extradata, mp4->par->extradata + mp4->par->extradata_size);
    if (bitstream::format_from_extradata(mp4->par->codec_id, record).bit_depth == 0) mp4.reset();
  }
  if (mp4) {
    // The common MP4/MOV: its sample tables read directly (demux/mp4_index.h), no demuxer needed.
    mov_family_ = true;
    fill_params(mp4->par.get(), mp4->time_base);
    index_ = StreamIndex(std::move(mp4->samples), "'" + path_ + "'");
  } else {
    open_container();
    select_stream();
    AVStream* st = fmt_->streams[stream_];
    fill_params(st->codecpar, st->time_base);
    build_index();
  }
  params_.frame_count = index_.frame_count();
  config_state_.assign(index_.samples().size(), 0);
}

VideoFile::~VideoFile() {
  bsf_.reset();
  fmt_.reset();  // before io_: the format context reads through it
  io_.reset();
}

bool VideoFile::unchanged_on_disk() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return false;
  return identity_of(st) == io_->identity();
}

void VideoFile::open_container() {
  fmt_.reset();
  if (!io_) io_ = std::make_unique<FileIO>(path_);  // the constructor's, unread through its AVIOContext
  AVFormatContext* ctx = avformat_alloc_context();
  if (!ctx) throw std::bad_alloc();
  ctx->pb = io_->avio();
  ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  const int r = avformat_open_input(&ctx, path_.c_str(), nullptr, nullptr);  // frees ctx on failure
  if (r < 0) {
    throw std::invalid_argument("'" + path_ + "' is not a readable video file: " + ff::error_string(r));
  }
  fmt_.reset(ctx);
  mov_family_ = std::strstr(fmt_->iformat->name, "mov") != nullptr;
}

void VideoFile::select_stream() {
  int best = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  AVCodecParameters* par = best >= 0 ? fmt_->streams[best]->codecpar : nullptr;
  if (best < 0 || par->codec_id == AV_CODEC_ID_NONE || par->width <= 0 || par->height <= 0) {
    // Containers without the facts in their header (raw streams, MPEG-TS) need probing.
    const int r = avformat_find_stream_info(fmt_.get(), nullptr);
    if (r < 0) throw std::invalid_argument("'" + path_ + "' is not a readable video file: " + ff::error_string(r));
    best = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  }
  if (best < 0) throw std::invalid_argument("'" + path_ + "' has no video stream");
  stream_ = best;
  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    fmt_->streams[i]->discard = static_cast<int>(i) == stream_ ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  }
}

void VideoFile::fill_params(AVCodecParameters* par, AVRational time_base) {
  StreamParams& p = params_;
  int block = 16;
  switch (par->codec_id) {
    case AV_CODEC_ID_H264: p.codec = Codec::kH264; break;
    case AV_CODEC_ID_HEVC: p.codec = Codec::kHEVC; block = 8; break;
    case AV_CODEC_ID_VP9: p.codec = Codec::kVP9; block = 8; break;
    case AV_CODEC_ID_AV1: p.codec = Codec::kAV1; block = 8; break;
    default:
      throw std::invalid_argument("'" + path_ + "': unsupported video codec '" + avcodec_get_name(par->codec_id) +
                                  "' (supported: h264, hevc, vp9, av1)");
  }
  p.ff_codec_id = par->codec_id;
  p.width = par->width;
  p.height = par->height;
  p.coded_width = static_cast<int32_t>(align_up(par->width, block));
  p.coded_height = static_cast<int32_t>(align_up(par->height, block));
  p.extradata.assign(par->extradata, par->extradata + par->extradata_size);
  p.color_space = par->color_space;
  p.color_range = par->color_range;
  p.color_primaries = par->color_primaries;
  p.color_trc = par->color_trc;
  p.time_base_num = time_base.num;
  p.time_base_den = time_base.den;

  bitstream::SampleFormat f = bitstream::format_from_extradata(par->codec_id, p.extradata);
  if (f.bit_depth == 0 && par->format == AV_PIX_FMT_NONE && fmt_) {
    // Nothing in the header says: let libavformat decode the first frames once (slow path).
    const int r = avformat_find_stream_info(fmt_.get(), nullptr);
    if (r < 0) throw std::invalid_argument("'" + path_ + "': cannot read stream parameters: " + ff::error_string(r));
  }
  if (par->format != AV_PIX_FMT_NONE) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(par->format));
    if (d) {
      f.bit_depth = d->comp[0].depth;
      f.chroma_format = d->nb_components < 3 ? 0 : (d->log2_chroma_w && d->log2_chroma_h) ? 1 : d->log2_chroma_w ? 2 : 3;
    }
  }
  p.bit_depth = f.bit_depth > 0 ? f.bit_depth : 8;
  p.chroma_format = f.chroma_format >= 0 ? f.chroma_format : 1;
  if (p.chroma_format != 1 || (p.bit_depth != 8 && p.bit_depth != 10 && p.bit_depth != 12)) {
    throw std::invalid_argument("'" + path_ + "': unsupported sample format (" + std::to_string(p.bit_depth) +
                                "-bit, chroma_format " + std::to_string(p.chroma_format) +
                                "); supported: 4:2:0 at 8, 10 or 12 bits");
  }

  // Annex-B conversion for length-prefixed H.264/HEVC (MP4, Matroska): packets of bundles must decode
  // without the container's configuration record.
  const char* bsf_name = nullptr;
  if (bitstream::is_config_record(p.extradata)) {
    if (p.codec == Codec::kH264) bsf_name = "h264_mp4toannexb";
    if (p.codec == Codec::kHEVC) bsf_name = "hevc_mp4toannexb";
  }
  if (bsf_name) {
    const AVBitStreamFilter* filter = av_bsf_get_by_name(bsf_name);
    if (!filter) throw std::runtime_error(std::string("FFmpeg was built without the ") + bsf_name + " filter");
    AVBSFContext* ctx = nullptr;
    ODVD_CHECK_AV(av_bsf_alloc(filter, &ctx), path_);
    bsf_.reset(ctx);
    ODVD_CHECK_AV(avcodec_parameters_copy(ctx->par_in, par), path_);
    ctx->time_base_in = time_base;
    ODVD_CHECK_AV(av_bsf_init(ctx), path_);
    annexb_parameter_sets_.assign(ctx->par_out->extradata, ctx->par_out->extradata + ctx->par_out->extradata_size);
    // avcC byte 4 / hvcC byte 21: lengthSizeMinusOne in the low two bits.
    const size_t at = p.codec == Codec::kH264 ? 4 : 21;
    if (p.extradata.size() > at) length_size_ = (p.extradata[at] & 3) + 1;
  } else if (p.codec == Codec::kH264 || p.codec == Codec::kHEVC) {
    annexb_parameter_sets_ = p.extradata;  // already Annex-B (or empty: in-band only)
  } else if (p.codec == Codec::kAV1) {
    annexb_parameter_sets_ = bitstream::av1c_config_obus(p.extradata);
  }
  hevc_single_sublayer_ = p.codec == Codec::kHEVC && bitstream::hvcc_temporal_layers(p.extradata) == 1;
}

std::vector<Sample> VideoFile::scan_packets() {
  std::vector<Sample> samples;
  ff::PacketPtr pkt = ff::make_packet();
  for (;;) {
    const int r = av_read_frame(fmt_.get(), pkt.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) {
      if (!samples.empty()) break;  // unreadable tail (truncated file): keep what is complete
      throw std::invalid_argument("'" + path_ + "': cannot read packets: " + ff::error_string(r));
    }
    if (pkt->stream_index == stream_) {
      // A sample cut off by the end of the file is not a frame: stop at the first one.
      if (pkt->flags & AV_PKT_FLAG_CORRUPT) {
        av_packet_unref(pkt.get());
        break;
      }
      Sample s;
      s.pos = pkt->pos;
      s.size = pkt->size;
      s.dts = pkt->dts;
      s.pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      if (s.pts == AV_NOPTS_VALUE) {
        throw std::invalid_argument("'" + path_ + "': packets without timestamps are not supported");
      }
      if (pkt->flags & AV_PKT_FLAG_KEY) s.flags |= kSampleKey;
      if (pkt->flags & AV_PKT_FLAG_DISCARD) s.flags |= kSampleDiscard;
      // FFmpeg's disposable flag is trusted for H.264/HEVC only: for AV1 (libsvtav1 in MP4 sdtp) it
      // marks temporal units whose shown frame is non-reference although the same packet carries a
      // hidden reference frame, so skipping them breaks the GOP.
      if ((pkt->flags & AV_PKT_FLAG_DISPOSABLE) && (params_.codec == Codec::kH264 || params_.codec == Codec::kHEVC)) {
        s.flags |= kSampleNonRef;
      }
      samples.push_back(s);
    }
    av_packet_unref(pkt.get());
  }
  return samples;
}

void VideoFile::build_index() {
  std::vector<Sample> samples;
  if (mov_family_) {
    // MP4/MOV: the moov tables already list every sample; walking them through the demuxer with
    // payload reads answered by zeros yields pts/dts/flags (incl. edit-list discards) without I/O.
    io_->set_skip_payload(true);
    fmt_->flags |= AVFMT_FLAG_NOPARSE;
    samples = scan_packets();
    io_->set_skip_payload(false);
    fmt_->flags &= ~AVFMT_FLAG_NOPARSE;
    AVStream* st = fmt_->streams[stream_];
    const int entries = index_entry_count(st);
    bool consistent = entries >= static_cast<int>(samples.size()) && !samples.empty();
    for (size_t i = 0; consistent && i < samples.size(); ++i) {
      const AVIndexEntry* e = index_entry(st, static_cast<int>(i));
      consistent = e->pos == samples[i].pos && e->size == samples[i].size &&
                   samples[i].pos + samples[i].size <= io_->size();
    }
    samples.erase(std::find_if(samples.begin(), samples.end(),
                               [&](const Sample& s) { return s.pos + s.size > io_->size(); }),
                  samples.end());
    if (!consistent) {
      // Fragmented or unusual files: read them for real, through the demuxer, from a fresh context.
      fmt_.reset();
      io_.reset();
      open_container();
      mov_family_ = false;
      select_stream();
      samples = scan_packets();
    }
  } else {
    samples = scan_packets();
  }
  index_ = StreamIndex(std::move(samples), "'" + path_ + "'");
}

std::vector<ff::PacketPtr> VideoFile::read_samples(int32_t first, int32_t last, bool starts_sequence) {
  const auto& s = index_.samples();
  std::vector<ff::PacketPtr> packets;
  if (reads_in_place()) {
    // Decoders want each packet in its own padded buffer: read the GOP once, then copy out.
    std::vector<uint8_t> buffer;
    const Payload pay = read_in_place(first, last, starts_sequence, [&](size_t n) {
      buffer.resize(n);
      return buffer.data();
    });
    for (int32_t i = first; i <= last; ++i) {
      const size_t k = static_cast<size_t>(i - first);
      ff::PacketPtr p = packet_of_size(pay.size[k]);
      std::memcpy(p->data, buffer.data() + pay.offset[k], pay.size[k]);
      p->pts = s[i].pts;
      p->dts = s[i].dts;
      if (s[i].flags & kSampleKey) p->flags |= AV_PKT_FLAG_KEY;
      packets.push_back(std::move(p));
    }
    return packets;
  }
  packets = read_payloads_demuxed(first, last);
  to_annexb(packets, starts_sequence);
  for (size_t k = 0; k < packets.size(); ++k) {
    learn_nonref(first + static_cast<int32_t>(k), packets[k]->data, static_cast<size_t>(packets[k]->size));
  }
  return packets;
}

VideoFile::Payload VideoFile::read_payload(int32_t first, int32_t last,
                                           const std::function<uint8_t*(size_t)>& alloc) {
  if (reads_in_place()) return read_in_place(first, last, /*starts_sequence=*/true, alloc);
  const std::vector<ff::PacketPtr> packets = read_samples(first, last);
  Payload out;
  size_t total = 0;
  for (const auto& p : packets) total += static_cast<size_t>(p->size);
  uint8_t* dst = alloc(total);
  for (const auto& p : packets) {
    out.offset.push_back(out.used);
    out.size.push_back(static_cast<uint32_t>(p->size));
    std::memcpy(dst + out.used, p->data, static_cast<size_t>(p->size));
    out.used += static_cast<size_t>(p->size);
  }
  return out;
}

VideoFile::Payload VideoFile::read_in_place(int32_t first, int32_t last, bool starts_sequence,
                                            const std::function<uint8_t*(size_t)>& alloc) {
  const auto& s = index_.samples();
  const std::vector<uint8_t>& config = annexb_parameter_sets_;
  // Every key frame (and the first sample when a decoder starts there) carries the configuration, as in
  // to_annexb: a slot for it is kept in front of each unless the sample is known to carry it in band.
  auto slot_of = [&](int32_t i) -> size_t {
    const bool wants = (i == first && starts_sequence) || (s[i].flags & kSampleKey);
    return wants && config_state_[i] != kHasConfig ? config.size() : 0;
  };
  size_t capacity = 0;
  for (int32_t i = first; i <= last; ++i) capacity += static_cast<size_t>(s[i].size) + slot_of(i);
  uint8_t* dst = alloc(capacity);
  Payload out;
  out.offset.resize(static_cast<size_t>(last - first + 1));
  out.size.resize(out.offset.size());
  size_t cursor = 0;
  for (int32_t i = first; i <= last;) {
    // One pread for a run of samples adjacent in the file, up to the next one that wants a slot.
    const size_t slot = slot_of(i);
    int32_t j = i;
    size_t bytes = static_cast<size_t>(s[i].size);
    while (j < last && s[j + 1].pos == s[j].pos + s[j].size && slot_of(j + 1) == 0) {
      ++j;
      bytes += static_cast<size_t>(s[j].size);
    }
    uint8_t* run = dst + cursor + slot;
    io_->read_at(s[i].pos, run, bytes);
    size_t at = cursor + slot;
    for (int32_t k = i; k <= j; ++k) {
      const size_t n = static_cast<size_t>(s[k].size);
      if (bsf_) lengths_to_start_codes(dst + at, n);
      out.offset[k - first] = at;
      out.size[k - first] = static_cast<uint32_t>(n);
      at += n;
    }
    if (slot) {
      const size_t k0 = static_cast<size_t>(i - first);
      if (has_config(run, static_cast<size_t>(s[i].size))) {
        // In band after all: close the slot (and remember, so the next read reserves none).
        config_state_[i] = kHasConfig;
        std::memmove(dst + cursor, run, bytes);
        for (int32_t k = i; k <= j; ++k) out.offset[k - first] -= slot;
        at -= slot;
      } else {
        config_state_[i] = kLacksConfig;
        std::memcpy(dst + cursor, config.data(), slot);
        out.offset[k0] = cursor;
        out.size[k0] += static_cast<uint32_t>(slot);
      }
    }
    cursor = at;
    i = j + 1;
  }
  out.used = cursor;
  for (int32_t i = first; i <= last; ++i) {
    const size_t k = static_cast<size_t>(i - first);
    learn_nonref(i, dst + out.offset[k], out.size[k]);
  }
  return out;
}

void VideoFile::learn_nonref(int32_t sample, const uint8_t* data, size_t size) {
  if (params_.codec != Codec::kH264 && params_.codec != Codec::kHEVC) return;
  if (bitstream::annexb_is_nonref(static_cast<AVCodecID>(params_.ff_codec_id), data, size, hevc_single_sublayer_)) {
    index_.mark_nonref(sample);
  }
}

bool VideoFile::has_config(const uint8_t* data, size_t size) const {
  if (params_.codec == Codec::kH264 || params_.codec == Codec::kHEVC) {
    return bitstream::annexb_has_sps(static_cast<AVCodecID>(params_.ff_codec_id), data, size);
  }
  if (params_.codec == Codec::kAV1) return bitstream::av1_has_sequence_header(data, size);
  return true;
}

void VideoFile::lengths_to_start_codes(uint8_t* data, size_t n) const {
  // The common case (4-byte NAL lengths, as every MP4 muxer writes): each length becomes a 4-byte
  // start code in place. This is what the mp4toannexb filters do, without their per-packet copies.
  size_t pos = 0;
  while (pos + 4 <= n) {
    const size_t len = (size_t(data[pos]) << 24) | (size_t(data[pos + 1]) << 16) | (size_t(data[pos + 2]) << 8) |
                       size_t(data[pos + 3]);
    if (len > n - pos - 4) {
      throw std::invalid_argument("'" + path_ + "': corrupt packet (NAL length " + std::to_string(len) +
                                  " exceeds the packet)");
    }
    data[pos] = data[pos + 1] = data[pos + 2] = 0;
    data[pos + 3] = 1;
    pos += 4 + len;
  }
  if (pos != n) throw std::invalid_argument("'" + path_ + "': corrupt packet (trailing bytes after the last NAL)");
}

std::vector<ff::PacketPtr> VideoFile::read_payloads_demuxed(int32_t first, int32_t last) {
  const auto& s = index_.samples();
  AVStream* st = fmt_->streams[stream_];
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
        throw std::runtime_error("'" + path_ + "': the demuxer returned packets out of index order at sample " +
                                 std::to_string(next));
      }
      ff::PacketPtr p = ff::make_packet();
      av_packet_move_ref(p.get(), pkt.get());
      out.push_back(std::move(p));
      if (++next > last) break;
    }
    if (!out.empty() && next <= last) {
      throw std::invalid_argument("'" + path_ + "': samples " + std::to_string(next) + ".." + std::to_string(last) +
                                  " cannot be read (" + ff::error_string(r) + ")");
    }
  }
  if (out.empty()) {
    throw std::invalid_argument("'" + path_ + "': cannot seek to sample " + std::to_string(first) + " (stream " +
                                std::to_string(st->index) + ")");
  }
  return out;
}

void VideoFile::to_annexb(std::vector<ff::PacketPtr>& packets, bool starts_sequence) {
  if (bsf_ && length_size_ == 4) {
    for (auto& p : packets) lengths_to_start_codes(p->data, static_cast<size_t>(p->size));
  } else if (bsf_) {
    av_bsf_flush(bsf_.get());
    for (auto& p : packets) {
      ODVD_CHECK_AV(av_bsf_send_packet(bsf_.get(), p.get()), "'" + path_ + "' (Annex-B conversion)");
      ODVD_CHECK_AV(av_bsf_receive_packet(bsf_.get(), p.get()), "'" + path_ + "' (Annex-B conversion)");
    }
  }
  if (annexb_parameter_sets_.empty()) return;
  // Every key frame carries the configuration it needs, as the mp4toannexb filters do: a run may start
  // at any key frame of the packets read (e.g. the GOP after an open-GOP prefix in a bundle), and
  // bundles and DecodeFromPacketListRGB decode without the container's extradata.
  for (size_t k = 0; k < packets.size(); ++k) {
    AVPacket* p = packets[k].get();
    if ((k > 0 || !starts_sequence) && !(p->flags & AV_PKT_FLAG_KEY)) continue;
    if (has_config(p->data, static_cast<size_t>(p->size))) continue;
    ff::PacketPtr merged = packet_of_size(annexb_parameter_sets_.size() + p->size);
    std::memcpy(merged->data, annexb_parameter_sets_.data(), annexb_parameter_sets_.size());
    std::memcpy(merged->data + annexb_parameter_sets_.size(), p->data, p->size);
    av_packet_copy_props(merged.get(), p);
    packets[k] = std::move(merged);
  }
}

}  // namespace odvd
