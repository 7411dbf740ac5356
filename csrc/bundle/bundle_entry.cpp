// One entry of a GOP bundle read and checked against every rule of docs/bundle-format.md ("Entry",
// "The packet table", "What the entry's frames are"): each field alone, then the rules that relate
// them, before anything is used. A broken rule raises std::invalid_argument (ValueError) naming the
// entry, the packet where there is one, the value and what it should be.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "bundle/bundle.h"
#include "bundle/bundle_references.h"
#include "bundle/wire.h"
#include "index/stream_index.h"

namespace odvd::bundle {
using wire::align8;
using wire::bad;
using wire::get;

namespace {

constexpr uint32_t kKnownFlags = kSampleKey | kSampleNonRef | kSampleDiscard | kSamplePrefix;
constexpr uint32_t kMaxDimension = 1 << 16;

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or `size` when all are. The path reaches Python in messages,
// which would fail to decode anything else.
size_t invalid_utf8_at(const uint8_t* s, size_t size) {
  size_t i = 0;
  while (i < size) {
    const uint8_t c = s[i];
    size_t n = 0;
    uint32_t lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (n > size - i - 1) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k <= n; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    }
    i += n + 1;
  }
  return size;
}

bool all_zero(const uint8_t* p, uint64_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

std::string range_text(int64_t first, uint32_t len) {
  return "[" + std::to_string(first) + ", " + std::to_string(first + int64_t(len)) + ")";
}

// coded_width / coded_height: the display size aligned up to the codec's block, as the writer
// (demux/video_file.cpp) computes them: 16 for H.264 macroblocks, 8 otherwise.
void check_coded(const std::string& where, Codec codec, const char* coded_name, int32_t coded, const char* name,
                 int32_t display) {
  const int32_t block = codec == Codec::kH264 ? 16 : 8;
  const int32_t expected = (display + block - 1) / block * block;
  if (coded != expected) {
    bad(where, std::string(coded_name) + "=" + std::to_string(coded) + " is not " + name + "=" +
                   std::to_string(display) + " aligned up to the codec's " + std::to_string(block) + "-pixel block (" +
                   std::to_string(expected) + ")");
  }
}

// The header fields of docs/bundle-format.md "Entry", each alone and the coded size against the display
// size. Fills everything but the variable parts.
void read_header(const uint8_t* h, uint16_t version, const std::string& where, EntryView& e) {
  if (get<uint32_t>(h) != kEntryHeaderSize) bad(where, "entry_header_size=" + std::to_string(get<uint32_t>(h)));
  StreamParams& p = e.params;
  const uint32_t codec = get<uint32_t>(h + 4);
  if (!codec_known(static_cast<int32_t>(codec))) bad(where, "codec=" + std::to_string(codec) + " unknown");
  p.codec = static_cast<Codec>(codec);
  p.ff_codec_id = get<int32_t>(h + 8);
  const char* names[4] = {"coded_width", "coded_height", "width", "height"};
  int32_t* dims[4] = {&p.coded_width, &p.coded_height, &p.width, &p.height};
  for (int i = 0; i < 4; ++i) {
    const uint32_t v = get<uint32_t>(h + 12 + 4 * i);
    if (v == 0 || v > kMaxDimension) bad(where, std::string(names[i]) + "=" + std::to_string(v) + " out of range 1..65536");
    *dims[i] = static_cast<int32_t>(v);
  }
  check_coded(where, p.codec, "coded_width", p.coded_width, "width", p.width);
  check_coded(where, p.codec, "coded_height", p.coded_height, "height", p.height);
  p.bit_depth = h[28];
  if (p.bit_depth != 8 && p.bit_depth != 10 && p.bit_depth != 12) bad(where, "bit_depth=" + std::to_string(p.bit_depth));
  p.chroma_format = h[29];
  if (p.chroma_format != 1) bad(where, "chroma_format=" + std::to_string(p.chroma_format) + " (only 1, 4:2:0)");
  p.color_space = h[30];
  p.color_range = h[31];
  if (p.color_range > 2) bad(where, "color_range=" + std::to_string(p.color_range));
  p.color_primaries = h[32];
  p.color_trc = h[33];
  // Version 4: byte 34 is chroma_location (AVChromaLocation 0..6); before it, reserved like byte 35.
  p.chroma_location = h[34];
  if (version < 4 && p.chroma_location != 0) bad(where, "reserved field is not zero");
  if (p.chroma_location > 6) bad(where, "chroma_location=" + std::to_string(p.chroma_location) + " (0..6)");
  if (h[35] != 0 || !all_zero(h + 88, kEntryHeaderSize - 88)) {
    bad(where, "reserved field is not zero");
  }
  p.time_base_num = get<int32_t>(h + 36);
  p.time_base_den = get<int32_t>(h + 40);
  if (p.time_base_num <= 0 || p.time_base_den <= 0) {
    bad(where, "time_base=" + std::to_string(p.time_base_num) + "/" + std::to_string(p.time_base_den));
  }
  e.gop_len = get<uint32_t>(h + 44);
  e.first_frame_id = get<int64_t>(h + 48);
  p.frame_count = get<int64_t>(h + 56);
  if (p.frame_count <= 0) bad(where, "frame_count=" + std::to_string(p.frame_count));
  if (e.first_frame_id < 0 || e.first_frame_id >= p.frame_count) {
    bad(where, "first_frame_id=" + std::to_string(e.first_frame_id) + " outside 0.." + std::to_string(p.frame_count - 1));
  }
  if (e.gop_len == 0 || e.gop_len > p.frame_count - e.first_frame_id) {
    bad(where, "gop_len=" + std::to_string(e.gop_len) + " outside 1.." + std::to_string(p.frame_count - e.first_frame_id));
  }
}

// One packet record: its own fields, and those that depend on its place (back to back, the prefix run,
// frames of the range). `in_prefix` is whether every packet so far was a prefix packet.
void read_packet(const uint8_t* q, uint32_t i, const EntryView& e, const std::string& pw, bool& in_prefix,
                 PacketRecord& r) {
  r.offset = get<uint64_t>(q);
  r.size = get<uint32_t>(q + 8);
  r.flags = get<uint32_t>(q + 12);
  r.pts = get<int64_t>(q + 16);
  r.dts = get<int64_t>(q + 24);
  r.frame_id = get<int64_t>(q + 32);
  if (r.size == 0 || r.offset > e.payload_size || r.size > e.payload_size - r.offset) {
    bad(pw, "offset=" + std::to_string(r.offset) + " size=" + std::to_string(r.size) + " outside the payload of " +
                std::to_string(e.payload_size) + " bytes");
  }
  const uint64_t expected_offset = i == 0 ? 0 : e.packets[i - 1].offset + e.packets[i - 1].size;
  if (r.offset != expected_offset) {
    bad(pw, "offset=" + std::to_string(r.offset) + " (packets are stored back to back: expected " +
                std::to_string(expected_offset) + ")");
  }
  if (r.flags & ~kKnownFlags) bad(pw, "flags=" + std::to_string(r.flags) + " has unknown bits");
  if (i == 0 && !(r.flags & kSampleKey)) bad(pw, "flags: the first packet is not a key frame");
  if (r.frame_id < -1 || r.frame_id >= e.params.frame_count) {
    bad(pw, "frame_id=" + std::to_string(r.frame_id) + " outside -1.." + std::to_string(e.params.frame_count - 1));
  }
  const bool discarded = r.flags & kSampleDiscard;
  if (discarded && r.frame_id != -1) {
    bad(pw, "frame_id=" + std::to_string(r.frame_id) +
                " but the packet is flagged discarded (decoded, never shown: it produces no frame)");
  }
  if (!discarded && r.frame_id == -1) {
    bad(pw, "frame_id=-1 but the packet is not flagged discarded (every packet but a discarded one shows a frame)");
  }
  const bool prefix = r.flags & kSamplePrefix;
  if (prefix && !in_prefix) bad(pw, "flags: a prefix packet after a packet of the GOP itself (the prefix comes first)");
  in_prefix = prefix;
  const int64_t end = e.first_frame_id + int64_t(e.gop_len);
  const bool in_range = r.frame_id >= e.first_frame_id && r.frame_id < end;
  if (prefix && r.frame_id >= e.first_frame_id) {
    bad(pw, "a prefix packet (from the GOP before) produces frame_id=" + std::to_string(r.frame_id) +
                ", not before the GOP's range " + range_text(e.first_frame_id, e.gop_len));
  }
  if (!prefix && r.frame_id >= 0 && !in_range) {
    bad(pw, "frame_id=" + std::to_string(r.frame_id) + " is outside the GOP's range " +
                range_text(e.first_frame_id, e.gop_len) + " (gop_len counts the frames of the GOP's own packets)");
  }
}

// Every frame of [first_frame_id, first_frame_id + gop_len) comes from exactly one packet, and no frame
// from two (the prefix's frames included).
void check_frames(const EntryView& e, const std::string& where) {
  std::vector<std::pair<int64_t, uint32_t>> frames;  // (frame_id, packet)
  for (uint32_t i = 0; i < e.packets.size(); ++i) {
    if (e.packets[i].frame_id >= 0) frames.emplace_back(e.packets[i].frame_id, i);
  }
  std::sort(frames.begin(), frames.end());
  for (size_t k = 1; k < frames.size(); ++k) {
    if (frames[k].first == frames[k - 1].first) {
      bad(where, "frame_id=" + std::to_string(frames[k].first) + " is produced by packets " +
                     std::to_string(frames[k - 1].second) + " and " + std::to_string(frames[k].second));
    }
  }
  int64_t expected = e.first_frame_id;
  for (const auto& f : frames) {
    if (f.first < e.first_frame_id) continue;  // the prefix's
    if (f.first != expected) break;
    ++expected;
  }
  if (expected != e.first_frame_id + int64_t(e.gop_len)) {
    bad(where, "no packet produces frame_id=" + std::to_string(expected) + " of the GOP's range " +
                   range_text(e.first_frame_id, e.gop_len));
  }
}

}  // namespace

EntryView parse_entry(const uint8_t* h, uint64_t esize, uint16_t version, const std::string& where) {
  EntryView e;
  read_header(h, version, where, e);
  // Versions 1 and 2: a reserved field; version 3: the size of the reference table after the payload.
  const uint32_t references_size = get<uint32_t>(h + 76);
  if (version < 3 && references_size != 0) bad(where, "reserved field is not zero");
  if (references_size % 8 != 0 || references_size > esize - kEntryHeaderSize) {
    bad(where, "references_size=" + std::to_string(references_size) + " (a multiple of 8 within the entry)");
  }
  const uint8_t* table = h + esize - references_size;
  esize -= references_size;
  const uint32_t packet_count = get<uint32_t>(h + 64);
  const uint32_t extradata_size = get<uint32_t>(h + 68);
  const uint32_t path_size = get<uint32_t>(h + 72);
  e.payload_size = get<uint64_t>(h + 80);
  uint64_t need = kEntryHeaderSize;
  const uint64_t var = align8(uint64_t(extradata_size) + path_size);
  if (var > esize - need) {
    bad(where, "extradata_size=" + std::to_string(extradata_size) + " / path_size=" + std::to_string(path_size) +
                   " exceed the entry");
  }
  need += var;
  if (packet_count == 0 || uint64_t(packet_count) * kPacketRecordSize > esize - need) {
    bad(where, "packet_count=" + std::to_string(packet_count) + " does not fit the entry");
  }
  need += uint64_t(packet_count) * kPacketRecordSize;
  if (e.payload_size > esize - need || align8(need + e.payload_size) != esize) {
    bad(where, "payload_size=" + std::to_string(e.payload_size) + " does not match the entry size " + std::to_string(esize));
  }
  const uint8_t* q = h + kEntryHeaderSize;
  e.params.extradata.assign(q, q + extradata_size);
  const uint8_t* path = q + extradata_size;
  if (const size_t at = invalid_utf8_at(path, path_size); at != path_size) {
    bad(where, "source_path is not valid UTF-8 (byte " + std::to_string(at) + " of " + std::to_string(path_size) + ")");
  }
  e.source_path.assign(reinterpret_cast<const char*>(path), path_size);
  if (!all_zero(path + path_size, var - extradata_size - path_size)) bad(where, "padding after the path is not zero");
  q += var;

  e.packets.resize(packet_count);
  bool in_prefix = true;
  uint32_t prefix_end = 0;  // the first packet of the GOP itself
  for (uint32_t i = 0; i < packet_count; ++i, q += kPacketRecordSize) {
    read_packet(q, i, e, where + "packet " + std::to_string(i) + ": ", in_prefix, e.packets[i]);
    if (in_prefix) prefix_end = i + 1;
  }
  if (prefix_end > 0 && prefix_end < packet_count && !(e.packets[prefix_end].flags & kSampleKey)) {
    bad(where + "packet " + std::to_string(prefix_end) + ": ",
        "flags: the GOP's first packet after the prefix is not a key frame");
  }
  if (e.packets.back().offset + e.packets.back().size != e.payload_size) {
    bad(where, "payload_size=" + std::to_string(e.payload_size) + " but the packets hold " +
                   std::to_string(e.packets.back().offset + e.packets.back().size) + " bytes");
  }
  if (!all_zero(q + e.payload_size, esize - need - e.payload_size)) bad(where, "padding after the payload is not zero");
  check_frames(e, where);
  e.payload = q;
  if (references_size) e.references = read_references(table, references_size, packet_count, where);
  return e;
}

}  // namespace odvd::bundle
