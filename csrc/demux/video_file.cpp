#include "demux/video_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <stdexcept>

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include "common/posix_file.h"
#include "demux/bitstream.h"
#include "demux/colour_signal.h"
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

// The Annex-B parameter sets of an avcC / hvcC record, as FFmpeg's mp4toannexb filter writes them
// into its output extradata (the filter is run once, on the record alone).
std::vector<uint8_t> annexb_parameter_sets(const char* filter_name, AVCodecParameters* par, AVRational time_base,
                                           const std::string& path) {
  const AVBitStreamFilter* filter = av_bsf_get_by_name(filter_name);
  if (!filter) throw std::runtime_error(std::string("FFmpeg was built without the ") + filter_name + " filter");
  AVBSFContext* raw = nullptr;
  ODVD_CHECK_AV(av_bsf_alloc(filter, &raw), path);
  ff::BsfPtr ctx(raw);
  ODVD_CHECK_AV(avcodec_parameters_copy(ctx->par_in, par), path);
  ctx->time_base_in = time_base;
  ODVD_CHECK_AV(av_bsf_init(ctx.get()), "'" + path + "' (its codec configuration record)");
  return std::vector<uint8_t>(ctx->par_out->extradata, ctx->par_out->extradata + ctx->par_out->extradata_size);
}

// The rotation of the stream's display matrix (StreamParams::rotation), as libavformat gives it: the
// stream's side data (FFmpeg 5 and 6), its codec parameters' coded side data (FFmpeg 7 on).
double display_rotation(const AVStream* st) {
  const uint8_t* data = nullptr;
  size_t size = 0;
#if LIBAVCODEC_VERSION_MAJOR >= 61
  const AVPacketSideData* sd = av_packet_side_data_get(st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data,
                                                       AV_PKT_DATA_DISPLAYMATRIX);
  if (sd) {
    data = sd->data;
    size = sd->size;
  }
#else
  data = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
#endif
  if (!data || size < 9 * sizeof(int32_t)) return std::numeric_limits<double>::quiet_NaN();
  return av_display_rotation_get(reinterpret_cast<const int32_t*>(data));
}

// Bit depth and chroma format from the configuration record, else from the codec parameters' sample
// format (known when libavformat has probed the stream); bit_depth 0 when neither says.
bitstream::SampleFormat format_of(const AVCodecParameters* par, const std::vector<uint8_t>& extradata) {
  bitstream::SampleFormat f = bitstream::format_from_extradata(par->codec_id, extradata);
  if (par->format != AV_PIX_FMT_NONE) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(par->format));
    if (d) {
      f.bit_depth = d->comp[0].depth;
      f.chroma_format = d->nb_components < 3 ? 0 : (d->log2_chroma_w && d->log2_chroma_h) ? 1 : d->log2_chroma_w ? 2 : 3;
    }
  }
  return f;
}

}  // namespace

SourceKey parse_source_key(const std::string& key) {
  // The last NUL separates a stream index; a registered source's name itself starts with one.
  const size_t nul = key.rfind('\0');
  if (nul == std::string::npos || nul == 0) return {key, -1};
  const std::string index = key.substr(nul + 1);
  char* end = nullptr;
  const long n = std::strtol(index.c_str(), &end, 10);
  if (index.empty() || *end != '\0' || n < 0 || n > 1000000) {
    throw std::invalid_argument("'" + key.substr(0, nul) + "' is followed by a NUL byte and '" + index +
                                "', which is not a stream index: a NUL is in no file name (the file is not opened)");
  }
  return {key.substr(0, nul), static_cast<int>(n)};
}

VideoFile::VideoFile(const std::string& key, bool direct_mp4)
    : path_(parse_source_key(key).path), requested_stream_(parse_source_key(key).stream_index),
      io_(std::make_shared<FileIO>(path_)) {
  const std::string source_name = path_;  // a registered source: its own name, for new demuxers
  if (io_->is_source()) {
    source_name_ = source_name;
    path_ = io_->name();  // its label, in every message
  }
  std::optional<Mp4Video> mp4 = direct_mp4 ? read_mp4_index(*io_, requested_stream_) : std::nullopt;
  if (mp4) {
    // The sample format must be in the configuration record: else libavformat has to decode a frame.
    const std::vector<uint8_t> record(mp4->par->extradata, mp4->par->extradata + mp4->par->extradata_size);
    if (bitstream::format_from_extradata(mp4->par->codec_id, record).bit_depth == 0) mp4.reset();
  }
  const std::string name = "'" + path_ + "'";
  if (mp4) {
    // The common MP4/MOV: its sample tables read directly (demux/mp4_index.h), no demuxer needed.
    indexed_directly_ = true;
    mov_family_ = true;
    fill_params(mp4->par.get(), mp4->time_base);
    const bitstream::SampleFormat f = format_of(mp4->par.get(), params_.extradata);
    set_sample_format(f.bit_depth, f.chroma_format);
    params_.stream_index = mp4->stream_index;
    params_.rotation = mp4->rotation;
    index_ = StreamIndex(std::move(mp4->samples), name);
    resolve_colour(nullptr);
  } else {
    // The constructor's FileIO has not been read through its AVIO yet: the demuxer may take it.
    auto demuxer = std::make_unique<Demuxer>(path_, io_, requested_stream_);
    AVCodecParameters* par = demuxer->stream()->codecpar;
    fill_params(par, demuxer->stream()->time_base);
    bitstream::SampleFormat f = format_of(par, params_.extradata);
    // VP9 and AV1 outside MP4 often come without a configuration record (WebM / Matroska without
    // CodecPrivate, IVF, OBU): their first packet says it, read by the scan below.
    const bool from_first_packet = f.bit_depth == 0 && !demuxer->mov_family() &&
                                   (params_.codec == Codec::kVP9 || params_.codec == Codec::kAV1);
    if (f.bit_depth == 0 && !from_first_packet) {
      // Nothing in the header says: let libavformat decode the first frames once (slow path).
      demuxer->find_stream_info();
      f = format_of(par, params_.extradata);
    }
    if (!from_first_packet) set_sample_format(f.bit_depth, f.chroma_format);
    params_.stream_index = demuxer->stream()->index;
    params_.rotation = display_rotation(demuxer->stream());
    std::vector<uint8_t> first_packet;
    index_ = StreamIndex(scan(demuxer, &first_packet), name);
    if (from_first_packet) sample_format_from_first_packet(first_packet);
    resolve_colour(demuxer.get(), first_packet);
    spare_ = std::move(demuxer);
  }
  params_.frame_count = index_.frame_count();
}

bool VideoFile::unchanged_on_disk() const {
  if (io_->is_source()) return true;  // not on disk: nothing can change it under us
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return false;
  return identity_of(st) == io_->identity();
}

std::unique_ptr<Demuxer> VideoFile::demuxer() const {
  {
    std::lock_guard<std::mutex> lock(spare_mutex_);
    if (spare_) return std::move(spare_);
  }
  return std::make_unique<Demuxer>(source_name_.empty() ? path_ : source_name_, nullptr, requested_stream_);
}

std::vector<Sample> VideoFile::scan(std::unique_ptr<Demuxer>& demuxer, std::vector<uint8_t>* first_packet) {
  if (!demuxer->mov_family()) return demuxer->scan(params_.codec, /*skip_payload=*/false, first_packet);
  // MP4/MOV: the moov tables already list every sample; walking them through the demuxer with
  // payload reads answered without I/O yields pts/dts/flags (incl. edit-list discards).
  std::vector<Sample> samples = demuxer->scan(params_.codec, /*skip_payload=*/true);
  AVStream* st = demuxer->stream();
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
  if (consistent) {
    mov_family_ = true;
    return samples;
  }
  // Fragmented or unusual files: read them for real, through the demuxer, from a fresh context.
  demuxer = std::make_unique<Demuxer>(path_);
  return demuxer->scan(params_.codec, /*skip_payload=*/false, first_packet);
}

void VideoFile::resolve_colour(Demuxer* demuxer, const std::vector<uint8_t>& first_packet) {
  const Codec codec = params_.codec;
  const auto id = static_cast<AVCodecID>(params_.ff_codec_id);
  const std::vector<uint8_t>& config = parameter_sets_;
  const bool config_known = ((codec == Codec::kH264 || codec == Codec::kHEVC) &&
                             bitstream::annexb_has_sps(id, config.data(), config.size())) ||
                            (codec == Codec::kAV1 && bitstream::av1_has_sequence_header(config.data(), config.size()));
  if (config_known) {
    apply_signalled_colour(params_, config.data(), config.size());
    return;
  }
  // Length-prefixed H.264 / HEVC keeps its parameter sets in the configuration record, so the first
  // sample is read only for VP9, AV1 without a sequence header in its record, and Annex-B streams.
  if (length_size_ > 0 || index_.samples().empty()) return;
  const Sample& first = index_.samples().front();
  if (!first_packet.empty() && static_cast<int64_t>(first_packet.size()) == first.size) {
    apply_signalled_colour(params_, first_packet.data(), first_packet.size());  // kept by the scan
  } else if (mov_family_) {
    std::vector<uint8_t> bytes(static_cast<size_t>(first.size));
    io_->read_at(first.pos, bytes.data(), bytes.size());
    apply_signalled_colour(params_, bytes.data(), bytes.size());
  } else if (demuxer) {
    try {
      const std::vector<ff::PacketPtr> packets = demuxer->read(index_.samples(), 0, 0);
      apply_signalled_colour(params_, packets.front()->data, static_cast<size_t>(packets.front()->size));
    } catch (const std::invalid_argument&) {
      // An unreadable first sample says nothing about colour; decoding it will say what is wrong.
    }
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
  p.chroma_location = par->chroma_location;
  p.time_base_num = time_base.num;
  p.time_base_den = time_base.den;

  // Length-prefixed H.264/HEVC (MP4, Matroska) is read back as Annex-B: packets of bundles must decode
  // without the container's configuration record, so key frames get its parameter sets in front.
  if (bitstream::is_config_record(p.extradata) && (p.codec == Codec::kH264 || p.codec == Codec::kHEVC)) {
    parameter_sets_ = annexb_parameter_sets(p.codec == Codec::kH264 ? "h264_mp4toannexb" : "hevc_mp4toannexb", par,
                                            time_base, path_);
    // avcC byte 4 / hvcC byte 21: lengthSizeMinusOne in the low two bits (1, 2 or 4 bytes; 3 is reserved).
    const size_t at = p.codec == Codec::kH264 ? 4 : 21;
    if (p.extradata.size() > at) length_size_ = (p.extradata[at] & 3) + 1;
    if (length_size_ == 3) {
      throw std::invalid_argument("'" + path_ + "': invalid NAL length size 3 in the codec configuration record");
    }
  } else if (p.codec == Codec::kH264 || p.codec == Codec::kHEVC) {
    parameter_sets_ = p.extradata;  // already Annex-B (or empty: in-band only)
  } else if (p.codec == Codec::kAV1) {
    parameter_sets_ = bitstream::av1c_config_obus(p.extradata);
  }
  hevc_single_sublayer_ = p.codec == Codec::kHEVC && bitstream::hvcc_temporal_layers(p.extradata) == 1;
}

void VideoFile::set_sample_format(int bit_depth, int chroma_format) {
  StreamParams& p = params_;
  p.bit_depth = bit_depth > 0 ? bit_depth : 8;
  p.chroma_format = chroma_format >= 0 ? chroma_format : 1;
  if (p.chroma_format != 1 || (p.bit_depth != 8 && p.bit_depth != 10 && p.bit_depth != 12)) {
    throw std::invalid_argument("'" + path_ + "': unsupported sample format (" + std::to_string(p.bit_depth) +
                                "-bit, chroma_format " + std::to_string(p.chroma_format) +
                                "); supported: 4:2:0 at 8, 10 or 12 bits");
  }
}

void VideoFile::sample_format_from_first_packet(const std::vector<uint8_t>& first_packet) {
  const bitstream::ColourSignal c = bitstream::colour_signal(params_.codec, first_packet.data(), first_packet.size());
  if (c.bit_depth > 0 && c.chroma_format >= 0) {
    set_sample_format(c.bit_depth, c.chroma_format);
    return;
  }
  // The first packet does not say (not a key frame, no sequence header): probe a fresh demuxer.
  Demuxer probe(source_name_.empty() ? path_ : source_name_, nullptr, requested_stream_);
  probe.find_stream_info();
  const bitstream::SampleFormat f = format_of(probe.stream()->codecpar, params_.extradata);
  set_sample_format(f.bit_depth, f.chroma_format);
}

}  // namespace odvd
