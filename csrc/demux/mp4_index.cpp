#include "demux/mp4_index.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

extern "C" {
#include <libavutil/display.h>
#include <libavutil/mathematics.h>
#include <libavutil/pixdesc.h>
}

namespace odvd {
namespace {

constexpr uint32_t tag(const char (&s)[5]) {
  return (uint32_t(uint8_t(s[0])) << 24) | (uint32_t(uint8_t(s[1])) << 16) | (uint32_t(uint8_t(s[2])) << 8) |
         uint32_t(uint8_t(s[3]));
}

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
uint64_t be64(const uint8_t* p) { return (uint64_t(be32(p)) << 32) | be32(p + 4); }

constexpr size_t kMaxMoov = size_t(256) << 20;

struct Box {
  uint32_t type = 0;
  const uint8_t* body = nullptr;
  size_t size = 0;  // of the body
};

// The boxes in [p, p + n); false when they do not tile it exactly.
bool children(const uint8_t* p, size_t n, std::vector<Box>& out) {
  out.clear();
  size_t at = 0;
  while (at < n) {
    if (n - at < 8) return false;
    uint64_t size = be32(p + at);
    size_t header = 8;
    if (size == 1) {
      if (n - at < 16) return false;
      size = be64(p + at + 8);
      header = 16;
    } else if (size == 0) {
      size = n - at;
    }
    if (size < header || size > n - at) return false;
    out.push_back(Box{be32(p + at + 4), p + at + header, static_cast<size_t>(size) - header});
    at += static_cast<size_t>(size);
  }
  return true;
}

const Box* find(const std::vector<Box>& boxes, uint32_t type) {
  for (const Box& b : boxes) {
    if (b.type == type) return &b;
  }
  return nullptr;
}

size_t count(const std::vector<Box>& boxes, uint32_t type) {
  return static_cast<size_t>(std::count_if(boxes.begin(), boxes.end(), [&](const Box& b) { return b.type == type; }));
}

// Full boxes: version in the first byte, then 3 flag bytes; tables follow a 32-bit entry count.
struct Table {
  const uint8_t* rows = nullptr;
  uint32_t n = 0;
};
std::optional<Table> table(const Box* b, size_t row_size) {
  if (!b || b->size < 8) return std::nullopt;
  const uint32_t n = be32(b->body + 4);
  if ((b->size - 8) / row_size < n) return std::nullopt;
  return Table{b->body + 8, n};
}

// The timescale of an mvhd / mdhd box (version 0: 32-bit times, version 1: 64-bit).
uint32_t timescale(const Box* b) {
  if (!b || b->size < 4) return 0;
  const size_t at = b->body[0] == 1 ? 20 : 12;
  return b->size >= at + 4 ? be32(b->body + at) : 0;
}

// The 3x3 matrix (ISO/IEC 14496-12 6.2.2: 16.16 fixed point, the third column 2.30) of an mvhd box
// (at byte 36, version 1: 48) or a tkhd box (40, version 1: 52); the identity when the box is short.
using Matrix = std::array<std::array<int64_t, 3>, 3>;
Matrix matrix_of(const Box* b, size_t at_v0, size_t at_v1) {
  Matrix m{{{1 << 16, 0, 0}, {0, 1 << 16, 0}, {0, 0, 1 << 30}}};
  if (!b || b->size < 1) return m;
  const size_t at = b->body[0] == 1 ? at_v1 : at_v0;
  if (b->size < at + 36) return m;
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 3; ++j) m[i][j] = static_cast<int32_t>(be32(b->body + at + 4 * (3 * i + j)));
  }
  return m;
}

// The rotation the track's display matrix (tkhd's, then the movie's mvhd one applied after it, as
// libavformat combines them) makes, counter-clockwise in degrees; NaN when it is the identity (no
// display matrix) or singular.
double display_rotation(const Box* mvhd, const Box* tkhd) {
  const Matrix movie = matrix_of(mvhd, 36, 48), track = matrix_of(tkhd, 40, 52);
  static constexpr int kShift[3] = {16, 16, 30};
  int32_t m[9];
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 3; ++j) {
      int64_t v = 0;
      for (size_t e = 0; e < 3; ++e) v += (track[i][e] * movie[e][j]) >> kShift[e];
      m[3 * i + j] = static_cast<int32_t>(v);
    }
  }
  const bool identity = m[0] == (1 << 16) && m[1] == 0 && m[2] == 0 && m[3] == 0 && m[4] == (1 << 16) &&
                        m[5] == 0 && m[6] == 0 && m[7] == 0 && m[8] == (1 << 30);
  return identity ? std::numeric_limits<double>::quiet_NaN() : av_display_rotation_get(m);
}

// The moov box's body, found among the top-level boxes.
std::optional<std::vector<uint8_t>> read_moov(const FileIO& io) {
  static const uint32_t kTopLevel[] = {tag("ftyp"), tag("moov"), tag("mdat"), tag("free"), tag("skip"),
                                       tag("wide"), tag("pdin"), tag("uuid"), tag("meta")};
  int64_t at = 0;
  const int64_t end = io.size();
  while (end - at >= 8) {
    uint8_t h[16];
    const size_t got = static_cast<size_t>(std::min<int64_t>(16, end - at));
    io.read_at(at, h, got);
    const uint32_t type = be32(h + 4);
    if (std::find(std::begin(kTopLevel), std::end(kTopLevel), type) == std::end(kTopLevel)) return std::nullopt;
    uint64_t size = be32(h);
    size_t header = 8;
    if (size == 1) {
      if (got < 16) return std::nullopt;
      size = be64(h + 8);
      header = 16;
    } else if (size == 0) {
      size = static_cast<uint64_t>(end - at);
    }
    if (size < header || size > static_cast<uint64_t>(end - at)) return std::nullopt;
    if (type == tag("moov")) {
      if (size - header > kMaxMoov) return std::nullopt;
      std::vector<uint8_t> moov(static_cast<size_t>(size - header));
      io.read_at(at + static_cast<int64_t>(header), moov.data(), moov.size());
      return moov;
    }
    at += static_cast<int64_t>(size);
  }
  return std::nullopt;
}

// colr (nclx / nclc) as libavformat reads it.
void read_colr(const Box& b, AVCodecParameters* par) {
  if (b.size < 10) return;
  const uint32_t kind = be32(b.body);
  if (kind != tag("nclx") && kind != tag("nclc")) return;
  int primaries = be16(b.body + 4), trc = be16(b.body + 6), matrix = be16(b.body + 8);
  if (!av_color_primaries_name(static_cast<AVColorPrimaries>(primaries))) primaries = AVCOL_PRI_UNSPECIFIED;
  if (!av_color_transfer_name(static_cast<AVColorTransferCharacteristic>(trc))) trc = AVCOL_TRC_UNSPECIFIED;
  if (!av_color_space_name(static_cast<AVColorSpace>(matrix))) matrix = AVCOL_SPC_UNSPECIFIED;
  par->color_primaries = static_cast<AVColorPrimaries>(primaries);
  par->color_trc = static_cast<AVColorTransferCharacteristic>(trc);
  par->color_space = static_cast<AVColorSpace>(matrix);
  if (kind == tag("nclx") && b.size >= 11) par->color_range = (b.body[10] >> 7) ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
}

// The single visual sample entry of stsd: codec, size, configuration record, colour.
bool read_stsd(const Box* stsd, AVCodecParameters* par) {
  if (!stsd || stsd->size < 8 || be32(stsd->body + 4) != 1) return false;  // exactly one entry
  std::vector<Box> entries;
  if (!children(stsd->body + 8, stsd->size - 8, entries) || entries.size() != 1) return false;
  const Box& e = entries[0];
  uint32_t config = 0;
  switch (e.type) {
    case tag("avc1"): case tag("avc3"): par->codec_id = AV_CODEC_ID_H264; config = tag("avcC"); break;
    case tag("hvc1"): case tag("hev1"): par->codec_id = AV_CODEC_ID_HEVC; config = tag("hvcC"); break;
    case tag("av01"): par->codec_id = AV_CODEC_ID_AV1; config = tag("av1C"); break;
    default: return false;
  }
  constexpr size_t kVisualEntry = 78;  // SampleEntry (8) + VisualSampleEntry fields (70)
  if (e.size < kVisualEntry) return false;
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->width = be16(e.body + 24);
  par->height = be16(e.body + 26);
  std::vector<Box> inner;
  if (!children(e.body + kVisualEntry, e.size - kVisualEntry, inner)) return false;
  const Box* rec = find(inner, config);
  if (!rec || count(inner, config) != 1 || rec->size == 0 || rec->size > (1u << 20)) return false;
  par->extradata = static_cast<uint8_t*>(av_mallocz(rec->size + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!par->extradata) throw std::bad_alloc();
  std::memcpy(par->extradata, rec->body, rec->size);
  par->extradata_size = static_cast<int>(rec->size);
  if (const Box* colr = find(inner, tag("colr"))) read_colr(*colr, par);
  return true;
}

// The track's samples from its sample tables; nullopt when they do not add up. A sample holds at least
// one byte of the file, so a count above the file's size is a corrupt table; it is refused before
// anything is sized by it (a fixed-size stsz states any count in 4 bytes: 2^32 samples, 160 GB).
std::optional<std::vector<Sample>> read_samples(const std::vector<Box>& stbl, bool trust_sdtp, int64_t file_size) {
  for (uint32_t unsupported : {tag("stz2"), tag("stps"), tag("sbgp"), tag("sgpd")}) {
    if (find(stbl, unsupported)) return std::nullopt;
  }
  // stsz: version/flags, sample_size (0: sizes follow), sample_count, sizes.
  const Box* stsz = find(stbl, tag("stsz"));
  if (!stsz || stsz->size < 12) return std::nullopt;
  const uint32_t fixed = be32(stsz->body + 4);
  const uint32_t n = be32(stsz->body + 8);
  if (n == 0 || n > file_size || (!fixed && (stsz->size - 12) / 4 < n)) return std::nullopt;
  std::vector<Sample> s(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t size = fixed ? fixed : be32(stsz->body + 12 + 4 * size_t(i));
    if (size == 0 || size > uint32_t(std::numeric_limits<int32_t>::max())) return std::nullopt;
    s[i].size = static_cast<int32_t>(size);
  }

  // Positions: chunks (stco / co64) filled by the runs of stsc.
  const Box* stco = find(stbl, tag("stco"));
  const Box* co64 = find(stbl, tag("co64"));
  const auto chunks = stco ? table(stco, 4) : table(co64, 8);
  const auto runs = table(find(stbl, tag("stsc")), 12);
  if (!chunks || !runs || runs->n == 0 || (stco && co64)) return std::nullopt;
  uint32_t sample = 0;
  for (uint32_t r = 0; r < runs->n; ++r) {
    const uint8_t* row = runs->rows + 12 * size_t(r);
    const uint32_t first = be32(row), per_chunk = be32(row + 4), description = be32(row + 8);
    const uint32_t last = r + 1 < runs->n ? be32(row + 12) - 1 : chunks->n;  // 1-based, inclusive
    if (first == 0 || description != 1 || per_chunk == 0 || last < first || last > chunks->n) return std::nullopt;
    for (uint32_t c = first; c <= last && sample < n; ++c) {
      int64_t pos = stco ? int64_t(be32(chunks->rows + 4 * size_t(c - 1)))
                         : static_cast<int64_t>(be64(chunks->rows + 8 * size_t(c - 1)));
      for (uint32_t k = 0; k < per_chunk; ++k) {
        if (sample == n) return std::nullopt;  // more chunk slots than samples
        s[sample].pos = pos;
        pos += s[sample++].size;
      }
    }
  }
  if (sample != n) return std::nullopt;

  // Decode times (stts) and composition offsets (ctts, non-negative only).
  const auto stts = table(find(stbl, tag("stts")), 8);
  if (!stts) return std::nullopt;
  int64_t dts = 0;
  sample = 0;
  for (uint32_t r = 0; r < stts->n; ++r) {
    const uint32_t k = be32(stts->rows + 8 * size_t(r)), delta = be32(stts->rows + 8 * size_t(r) + 4);
    if (delta > uint32_t(std::numeric_limits<int32_t>::max()) || k > n - sample) return std::nullopt;
    for (uint32_t j = 0; j < k; ++j, ++sample, dts += delta) s[sample].dts = s[sample].pts = dts;
  }
  if (sample != n) return std::nullopt;
  if (const Box* ctts_box = find(stbl, tag("ctts"))) {
    const auto ctts = table(ctts_box, 8);
    if (!ctts) return std::nullopt;
    sample = 0;
    for (uint32_t r = 0; r < ctts->n; ++r) {
      const uint32_t k = be32(ctts->rows + 8 * size_t(r));
      const int32_t offset = static_cast<int32_t>(be32(ctts->rows + 8 * size_t(r) + 4));
      if (offset < 0 || k > n - sample) return std::nullopt;
      for (uint32_t j = 0; j < k; ++j) s[sample++].pts += offset;
    }
    if (sample != n) return std::nullopt;
  }

  // Sync samples (stss, 1-based; none: every sample is one) and disposable samples (sdtp).
  if (const Box* stss_box = find(stbl, tag("stss"))) {
    const auto stss = table(stss_box, 4);
    if (!stss || stss->n == 0) return std::nullopt;
    uint32_t previous = 0;
    for (uint32_t r = 0; r < stss->n; ++r) {
      const uint32_t k = be32(stss->rows + 4 * size_t(r));
      if (k <= previous || k > n) return std::nullopt;
      s[k - 1].flags |= kSampleKey;
      previous = k;
    }
  } else {
    for (Sample& x : s) x.flags |= kSampleKey;
  }
  if (const Box* sdtp = find(stbl, tag("sdtp")); sdtp && trust_sdtp && sdtp->size >= 4) {
    const size_t known = std::min<size_t>(n, sdtp->size - 4);
    for (size_t i = 0; i < known; ++i) {
      if (((sdtp->body[4 + i] >> 2) & 3) == 2) s[i].flags |= kSampleNonRef;  // sample_is_depended_on: no
    }
  }
  return s;
}

// Applies the track's edit list the way libavformat does for its common form: no edit list, or one
// edit starting at media_time M >= 0 at normal rate whose span covers every sample, which shifts
// every timestamp by -M and discards nothing. Anything else: false.
bool apply_edit(const Box* edts, uint32_t movie_timescale, uint32_t media_timescale, std::vector<Sample>& s,
                int64_t last_duration) {
  if (!edts) return true;
  std::vector<Box> inner;
  if (!children(edts->body, edts->size, inner)) return false;
  const Box* elst = find(inner, tag("elst"));
  if (!elst) return true;
  const bool v1 = elst->size >= 1 && elst->body[0] == 1;
  const auto edits = table(elst, v1 ? 20 : 12);
  if (!edits) return false;
  if (edits->n == 0) return true;  // libavformat applies no edit then either
  if (edits->n != 1 || movie_timescale == 0) return false;
  const uint8_t* e = edits->rows;
  const uint64_t duration = v1 ? be64(e) : be32(e);
  const int64_t media_time = v1 ? static_cast<int64_t>(be64(e + 8)) : static_cast<int32_t>(be32(e + 4));
  const uint32_t rate = be32(e + (v1 ? 16 : 8));
  if (media_time < 0 || rate != 0x00010000u || duration == 0 ||
      duration > uint64_t(std::numeric_limits<int32_t>::max())) {
    return false;
  }
  const int64_t span = av_rescale(static_cast<int64_t>(duration), media_timescale, movie_timescale);
  for (size_t i = 0; i < s.size(); ++i) {
    const int64_t shown_until = s[i].pts + (i + 1 < s.size() ? s[i + 1].dts - s[i].dts : last_duration);
    if (s[i].pts < media_time || shown_until > media_time + span) return false;
  }
  for (Sample& x : s) {
    x.pts -= media_time;
    x.dts -= media_time;
  }
  return true;
}

}  // namespace

std::optional<Mp4Video> read_mp4_index(const FileIO& io, int stream_index) {
  const auto moov_bytes = read_moov(io);
  if (!moov_bytes) return std::nullopt;
  std::vector<Box> moov, trak, mdia, minf, stbl;
  if (!children(moov_bytes->data(), moov_bytes->size(), moov) || find(moov, tag("mvex"))) return std::nullopt;
  const uint32_t movie_timescale = timescale(find(moov, tag("mvhd")));

  // Exactly one video track.
  const Box* video = nullptr;
  int track = -1, video_track = -1;
  for (const Box& b : moov) {
    if (b.type != tag("trak")) continue;
    ++track;
    std::vector<Box> t, m;
    if (!children(b.body, b.size, t)) return std::nullopt;
    const Box* md = find(t, tag("mdia"));
    if (!md || !children(md->body, md->size, m)) continue;
    const Box* hdlr = find(m, tag("hdlr"));
    if (!hdlr || hdlr->size < 12 || be32(hdlr->body + 8) != tag("vide")) continue;
    if (video) return std::nullopt;
    video = &b;
    video_track = track;
  }
  if (!video || !children(video->body, video->size, trak)) return std::nullopt;
  if (stream_index >= 0 && stream_index != video_track) return std::nullopt;
  const Box* md = find(trak, tag("mdia"));
  if (!children(md->body, md->size, mdia)) return std::nullopt;
  const Box* mi = find(mdia, tag("minf"));
  if (!mi || !children(mi->body, mi->size, minf)) return std::nullopt;
  const Box* st = find(minf, tag("stbl"));
  if (!st || !children(st->body, st->size, stbl)) return std::nullopt;
  const uint32_t media_timescale = timescale(find(mdia, tag("mdhd")));
  if (media_timescale == 0 || media_timescale > uint32_t(std::numeric_limits<int32_t>::max())) return std::nullopt;

  Mp4Video out;
  out.stream_index = video_track;
  out.rotation = display_rotation(find(moov, tag("mvhd")), find(trak, tag("tkhd")));
  out.par.reset(avcodec_parameters_alloc());
  if (!out.par) throw std::bad_alloc();
  if (!read_stsd(find(stbl, tag("stsd")), out.par.get())) return std::nullopt;
  out.time_base = AVRational{1, static_cast<int>(media_timescale)};
  // libavformat's disposable flag is trusted for H.264 / HEVC only (see VideoFile::scan_packets).
  const bool trust_sdtp = out.par->codec_id == AV_CODEC_ID_H264 || out.par->codec_id == AV_CODEC_ID_HEVC;
  auto samples = read_samples(stbl, trust_sdtp, io.size());
  if (!samples) return std::nullopt;
  const auto stts = table(find(stbl, tag("stts")), 8);
  const int64_t last_duration = stts->n ? be32(stts->rows + 8 * size_t(stts->n - 1) + 4) : 0;
  if (!apply_edit(find(trak, tag("edts")), movie_timescale, media_timescale, *samples, last_duration)) {
    return std::nullopt;
  }
  // A sample cut off by the end of the file is not a frame: keep the complete ones before it.
  const int64_t end = io.size();
  samples->erase(std::find_if(samples->begin(), samples->end(), [&](const Sample& x) { return x.pos + x.size > end; }),
                 samples->end());
  if (samples->empty()) return std::nullopt;
  out.samples = std::move(*samples);
  return out;
}

}  // namespace odvd
