#include "bundle/bundle.h"

#include <cstring>
#include <stdexcept>
#include <type_traits>

extern "C" {
#include <libavutil/crc.h>
}

#include "index/stream_index.h"

namespace odvd::bundle {
namespace {

constexpr uint32_t kKnownFlags = kSampleKey | kSampleNonRef | kSampleDiscard | kSamplePrefix;
constexpr uint32_t kMaxDimension = 1 << 16;

size_t align8(size_t v) { return (v + 7) & ~size_t(7); }

// Little-endian fixed-width fields, written and read byte by byte (no alignment or host-order
// assumptions).
template <typename T>
void put(uint8_t* p, T v) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
}

template <typename T>
T get(const uint8_t* p) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(p[i]) << (8 * i);
  return static_cast<T>(u);
}

size_t entry_size(const EntryView& e) {
  return align8(kEntryHeaderSize + align8(e.params.extradata.size() + e.source_path.size()) +
                size_t(kPacketRecordSize) * e.packets.size() + e.payload_size);
}

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw std::invalid_argument("corrupt GOP bundle: " + where + what);
}

}  // namespace

namespace {

// The lane sums of the checksum over `words` whole 64-byte blocks: a[l] += w; b[l] += a[l]. Written with
// vector types so the sums stay in registers; built for AVX2 too and picked at run time.
using u64x2 = uint64_t __attribute__((vector_size(16)));

__attribute__((target_clones("avx2", "default")))
void lane_sums(const uint8_t* data, size_t blocks, uint64_t a[8], uint64_t b[8]) {
  u64x2 a0{}, a1{}, a2{}, a3{}, b0{}, b1{}, b2{}, b3{};
  for (size_t k = 0; k < blocks; ++k, data += 64) {
    u64x2 w0, w1, w2, w3;  // little-endian words (the host order on every supported platform)
    std::memcpy(&w0, data, 16);
    std::memcpy(&w1, data + 16, 16);
    std::memcpy(&w2, data + 32, 16);
    std::memcpy(&w3, data + 48, 16);
    a0 += w0;
    a1 += w1;
    a2 += w2;
    a3 += w3;
    b0 += a0;
    b1 += a1;
    b2 += a2;
    b3 += a3;
  }
  const u64x2 as[4] = {a0, a1, a2, a3}, bs[4] = {b0, b1, b2, b3};
  for (int l = 0; l < 8; ++l) {
    a[l] = as[l / 2][l % 2];
    b[l] = bs[l / 2][l % 2];
  }
}

}  // namespace

uint64_t checksum(const uint8_t* data, size_t size) {
  // Fletcher-style sums over little-endian 64-bit words in 8 interleaved lanes (docs/bundle-format.md):
  // position-dependent, and cheap enough to run at memory speed (a CRC would cost more than the pread
  // of the GOP it protects). The lanes are combined linearly, a[l] with an odd weight and b[l] with an
  // even one, so a change d != 0 to one word moves the sum by d * (odd) != 0 mod 2^64; the final mix is
  // a bijection, so it cannot hide that change.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the checksum reads host-order words");
  uint64_t a[8], b[8];
  const size_t words = size / 8;
  lane_sums(data, words / 8, a, b);
  for (size_t i = words / 8 * 8, l = 0; i < words; ++i, ++l) {
    a[l] += get<uint64_t>(data + i * 8);
    b[l] += a[l];
  }
  uint64_t h = 0;
  for (int l = 0; l < 8; ++l) {
    const uint64_t odd = 0x9E3779B97F4A7C15ull * uint64_t(2 * l + 1);
    h += a[l] * odd + b[l] * (odd << 1);
  }
  h ^= h >> 30;  // splitmix64's finalizer: xor-shifts and odd multiplies, each invertible
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return h;
}

size_t payload_offset(const EntryView& e) {
  return align8(kHeaderSize + kEntryTableItemSize) + kEntryHeaderSize +
         align8(e.params.extradata.size() + e.source_path.size()) + size_t(kPacketRecordSize) * e.packets.size();
}

size_t serialized_size(const std::vector<EntryView>& entries) {
  size_t n = kHeaderSize + size_t(kEntryTableItemSize) * entries.size();
  n = align8(n);
  for (const auto& e : entries) n += entry_size(e);
  return n;
}

void serialize(const std::vector<EntryView>& entries, uint8_t* dst, size_t size) {
  std::memset(dst, 0, align8(kHeaderSize + size_t(kEntryTableItemSize) * entries.size()));
  std::memcpy(dst, kMagic, 8);
  put<uint16_t>(dst + 8, kVersion);
  put<uint16_t>(dst + 10, static_cast<uint16_t>(kHeaderSize));
  put<uint32_t>(dst + 12, static_cast<uint32_t>(entries.size()));
  put<uint64_t>(dst + 16, size);
  size_t off = align8(kHeaderSize + size_t(kEntryTableItemSize) * entries.size());
  for (size_t k = 0; k < entries.size(); ++k) {
    const EntryView& e = entries[k];
    const StreamParams& p = e.params;
    const size_t esize = entry_size(e);
    put<uint64_t>(dst + kHeaderSize + k * kEntryTableItemSize, off);
    put<uint64_t>(dst + kHeaderSize + k * kEntryTableItemSize + 8, esize);
    uint8_t* h = dst + off;
    std::memset(h, 0, kEntryHeaderSize);
    put<uint32_t>(h + 0, kEntryHeaderSize);
    put<uint32_t>(h + 4, static_cast<uint32_t>(p.codec));
    put<int32_t>(h + 8, p.ff_codec_id);
    put<uint32_t>(h + 12, static_cast<uint32_t>(p.coded_width));
    put<uint32_t>(h + 16, static_cast<uint32_t>(p.coded_height));
    put<uint32_t>(h + 20, static_cast<uint32_t>(p.width));
    put<uint32_t>(h + 24, static_cast<uint32_t>(p.height));
    h[28] = static_cast<uint8_t>(p.bit_depth);
    h[29] = static_cast<uint8_t>(p.chroma_format);
    h[30] = static_cast<uint8_t>(p.color_space);
    h[31] = static_cast<uint8_t>(p.color_range);
    h[32] = static_cast<uint8_t>(p.color_primaries);
    h[33] = static_cast<uint8_t>(p.color_trc);
    put<int32_t>(h + 36, p.time_base_num);
    put<int32_t>(h + 40, p.time_base_den);
    put<uint32_t>(h + 44, e.gop_len);
    put<int64_t>(h + 48, e.first_frame_id);
    put<int64_t>(h + 56, p.frame_count);
    put<uint32_t>(h + 64, static_cast<uint32_t>(e.packets.size()));
    put<uint32_t>(h + 68, static_cast<uint32_t>(p.extradata.size()));
    put<uint32_t>(h + 72, static_cast<uint32_t>(e.source_path.size()));
    put<uint64_t>(h + 80, e.payload_size);
    uint8_t* q = h + kEntryHeaderSize;
    const size_t var = align8(p.extradata.size() + e.source_path.size());
    std::memset(q, 0, var);
    if (!p.extradata.empty()) std::memcpy(q, p.extradata.data(), p.extradata.size());
    if (!e.source_path.empty()) std::memcpy(q + p.extradata.size(), e.source_path.data(), e.source_path.size());
    q += var;
    for (const PacketRecord& r : e.packets) {
      put<uint64_t>(q, r.offset);
      put<uint32_t>(q + 8, r.size);
      put<uint32_t>(q + 12, r.flags);
      put<int64_t>(q + 16, r.pts);
      put<int64_t>(q + 24, r.dts);
      put<int64_t>(q + 32, r.frame_id);
      q += kPacketRecordSize;
    }
    if (e.payload_size && e.payload != q) std::memcpy(q, e.payload, e.payload_size);
    q += e.payload_size;
    std::memset(q, 0, static_cast<size_t>(h + esize - q));
    off += esize;
  }
  put<uint64_t>(dst + 24, checksum(dst + kHeaderSize, size - kHeaderSize));
}

std::vector<EntryView> parse(const uint8_t* data, size_t size) {
  if (size < kHeaderSize) bad("", "only " + std::to_string(size) + " bytes, less than the 32-byte header");
  if (std::memcmp(data, kMagic, 8) != 0) bad("", "magic is not 'ODVDGOPB' (not a GOP bundle)");
  const uint16_t version = get<uint16_t>(data + 8);
  if (version != kVersion) {
    throw std::invalid_argument("unsupported GOP bundle version " + std::to_string(version) + " (this build reads version " +
                                std::to_string(kVersion) + ")");
  }
  const uint16_t header_size = get<uint16_t>(data + 10);
  if (header_size != kHeaderSize) bad("header ", "header_size=" + std::to_string(header_size) + " (expected 32)");
  const uint32_t entry_count = get<uint32_t>(data + 12);
  const uint64_t total_size = get<uint64_t>(data + 16);
  if (total_size != size) {
    bad("header ", "total_size=" + std::to_string(total_size) + " but the buffer holds " + std::to_string(size) + " bytes");
  }
  if (entry_count == 0) bad("header ", "entry_count=0");
  if (uint64_t(entry_count) * kEntryTableItemSize > size - kHeaderSize) {
    bad("header ", "entry_count=" + std::to_string(entry_count) + " does not fit in " + std::to_string(size) + " bytes");
  }
  if ((size - kHeaderSize) % 8 != 0) bad("header ", "total_size=" + std::to_string(size) + " is not 32 + a multiple of 8");
  const uint64_t stored_crc = get<uint64_t>(data + 24);
  const uint64_t crc = checksum(data + kHeaderSize, size - kHeaderSize);
  if (stored_crc != crc) bad("", "checksum mismatch (stored " + std::to_string(stored_crc) + ", computed " + std::to_string(crc) + ")");

  const uint64_t entries_start = align8(kHeaderSize + uint64_t(entry_count) * kEntryTableItemSize);
  std::vector<EntryView> out;
  out.reserve(entry_count);
  for (uint32_t k = 0; k < entry_count; ++k) {
    const std::string where = "entry " + std::to_string(k) + ": ";
    const uint64_t off = get<uint64_t>(data + kHeaderSize + uint64_t(k) * kEntryTableItemSize);
    const uint64_t esize = get<uint64_t>(data + kHeaderSize + uint64_t(k) * kEntryTableItemSize + 8);
    if (off < entries_start || off % 8 != 0 || off > size) bad(where, "offset=" + std::to_string(off) + " outside the bundle");
    if (esize < kEntryHeaderSize || esize > size - off) bad(where, "size=" + std::to_string(esize) + " outside the bundle");
    const uint8_t* h = data + off;
    if (get<uint32_t>(h) != kEntryHeaderSize) bad(where, "entry_header_size=" + std::to_string(get<uint32_t>(h)));
    EntryView e;
    StreamParams& p = e.params;
    const uint32_t codec = get<uint32_t>(h + 4);
    if (!codec_known(static_cast<int32_t>(codec))) bad(where, "codec=" + std::to_string(codec) + " unknown");
    p.codec = static_cast<Codec>(codec);
    p.ff_codec_id = get<int32_t>(h + 8);
    p.coded_width = static_cast<int32_t>(get<uint32_t>(h + 12));
    p.coded_height = static_cast<int32_t>(get<uint32_t>(h + 16));
    p.width = static_cast<int32_t>(get<uint32_t>(h + 20));
    p.height = static_cast<int32_t>(get<uint32_t>(h + 24));
    auto check_dim = [&](const char* name, uint32_t v) {
      if (v == 0 || v > kMaxDimension) bad(where, std::string(name) + "=" + std::to_string(v) + " out of range 1..65536");
    };
    check_dim("coded_width", get<uint32_t>(h + 12));
    check_dim("coded_height", get<uint32_t>(h + 16));
    check_dim("width", get<uint32_t>(h + 20));
    check_dim("height", get<uint32_t>(h + 24));
    p.bit_depth = h[28];
    if (p.bit_depth != 8 && p.bit_depth != 10 && p.bit_depth != 12) bad(where, "bit_depth=" + std::to_string(p.bit_depth));
    p.chroma_format = h[29];
    if (p.chroma_format != 1) bad(where, "chroma_format=" + std::to_string(p.chroma_format) + " (only 1, 4:2:0)");
    p.color_space = h[30];
    p.color_range = h[31];
    if (p.color_range > 2) bad(where, "color_range=" + std::to_string(p.color_range));
    p.color_primaries = h[32];
    p.color_trc = h[33];
    if (get<uint16_t>(h + 34) != 0 || get<uint32_t>(h + 76) != 0) bad(where, "reserved field is not zero");
    for (int i = 88; i < static_cast<int>(kEntryHeaderSize); ++i) {
      if (h[i] != 0) bad(where, "reserved field is not zero");
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
    if (e.gop_len == 0 || e.gop_len > p.frame_count - e.first_frame_id) bad(where, "gop_len=" + std::to_string(e.gop_len));
    const uint32_t packet_count = get<uint32_t>(h + 64);
    const uint32_t extradata_size = get<uint32_t>(h + 68);
    const uint32_t path_size = get<uint32_t>(h + 72);
    e.payload_size = get<uint64_t>(h + 80);
    uint64_t need = kEntryHeaderSize;
    const uint64_t var = align8(uint64_t(extradata_size) + path_size);
    if (var > esize - need) bad(where, "extradata_size=" + std::to_string(extradata_size) + " / path_size=" + std::to_string(path_size) + " exceed the entry");
    need += var;
    if (packet_count == 0 || uint64_t(packet_count) * kPacketRecordSize > esize - need) {
      bad(where, "packet_count=" + std::to_string(packet_count) + " does not fit the entry");
    }
    need += uint64_t(packet_count) * kPacketRecordSize;
    if (e.payload_size > esize - need || align8(need + e.payload_size) != esize) {
      bad(where, "payload_size=" + std::to_string(e.payload_size) + " does not match the entry size " + std::to_string(esize));
    }
    const uint8_t* q = h + kEntryHeaderSize;
    p.extradata.assign(q, q + extradata_size);
    e.source_path.assign(reinterpret_cast<const char*>(q + extradata_size), path_size);
    q += var;
    e.packets.resize(packet_count);
    bool any_target_gop_frame = false;
    for (uint32_t i = 0; i < packet_count; ++i, q += kPacketRecordSize) {
      PacketRecord& r = e.packets[i];
      const std::string pw = where + "packet " + std::to_string(i) + ": ";
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
      if (r.frame_id < -1 || r.frame_id >= p.frame_count) bad(pw, "frame_id=" + std::to_string(r.frame_id));
      if (r.frame_id >= e.first_frame_id && r.frame_id < e.first_frame_id + int64_t(e.gop_len)) any_target_gop_frame = true;
    }
    if (e.packets.back().offset + e.packets.back().size != e.payload_size) {
      bad(where, "payload_size=" + std::to_string(e.payload_size) + " but the packets hold " +
                     std::to_string(e.packets.back().offset + e.packets.back().size) + " bytes");
    }
    if (!any_target_gop_frame) bad(where, "no packet holds a frame of first_frame_id..first_frame_id+gop_len-1");
    e.payload = q;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace odvd::bundle
