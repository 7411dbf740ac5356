// Writing GOP bundles and reading their header and entry table (docs/bundle-format.md); each entry's
// own rules are bundle_entry.cpp's, the checksums checksum.cpp's.
#include "bundle/bundle.h"

#include <cstring>
#include <stdexcept>

#include "bundle/bundle_references.h"
#include "common/error.h"
#include "convert/chroma_upsample.h"
#include "bundle/checksum.h"
#include "bundle/wire.h"

namespace odvd::bundle {
using wire::align8;
using wire::bad;
using wire::get;
using wire::put;

namespace {

size_t entry_size(const EntryView& e) {
  return align8(kEntryHeaderSize + align8(e.params.extradata.size() + e.source_path.size()) +
                size_t(kPacketRecordSize) * e.packets.size() + e.payload_size) +
         references_size(e.references);
}

// Byte 34: the stream's chroma location where it places chroma elsewhere than left; 0 (what a reader
// takes as left, like an unspecified one) otherwise, so that most bundles stay readable by version 2
// and 3 readers.
uint8_t stored_chroma_location(const StreamParams& p) {
  const bool left = color::resolve_siting(p.chroma_location) == color::ChromaSiting::kLeft;
  return left ? 0 : static_cast<uint8_t>(p.chroma_location);
}

}  // namespace

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
  bool references = false, siting = false;
  for (const auto& e : entries) {
    references = references || !e.references.empty();
    siting = siting || stored_chroma_location(e.params) != 0;
  }
  put<uint16_t>(dst + 8, siting ? kVersion : references ? kReferencesVersion : kPlainVersion);
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
    h[34] = stored_chroma_location(p);
    put<int32_t>(h + 36, p.time_base_num);
    put<int32_t>(h + 40, p.time_base_den);
    put<uint32_t>(h + 44, e.gop_len);
    put<int64_t>(h + 48, e.first_frame_id);
    put<int64_t>(h + 56, p.frame_count);
    put<uint32_t>(h + 64, static_cast<uint32_t>(e.packets.size()));
    put<uint32_t>(h + 68, static_cast<uint32_t>(p.extradata.size()));
    put<uint32_t>(h + 72, static_cast<uint32_t>(e.source_path.size()));
    put<uint32_t>(h + 76, static_cast<uint32_t>(references_size(e.references)));
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
    uint8_t* table = h + esize - references_size(e.references);
    std::memset(q, 0, static_cast<size_t>(table - q));
    write_references(e.references, table);
    off += esize;
  }
  put<uint64_t>(dst + 24, checksum(dst + kHeaderSize, size - kHeaderSize));
}

namespace {

enum class Checksum { kVerify, kTrust };

std::vector<EntryView> parse_bundle(const uint8_t* data, size_t size, Checksum verify) {
  if (size < kHeaderSize) bad("", "only " + std::to_string(size) + " bytes, less than the 32-byte header");
  if (std::memcmp(data, kMagic, 8) != 0) bad("", "magic is not 'ODVDGOPB' (not a GOP bundle)");
  const uint16_t version = get<uint16_t>(data + 8);
  if (version < kOldestVersion || version > kVersion) {
    throw DataError(
        "unsupported GOP bundle version " + std::to_string(version) + " (this build reads versions " +
        std::to_string(kOldestVersion) + " to " + std::to_string(kVersion) +
        "): written by a newer on_demand_video_decoder, or damaged; make it again from its video with GetGOP / "
        "GetGOPList");
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
  if (verify == Checksum::kVerify) {
    const uint64_t stored = get<uint64_t>(data + 24);
    // Version 1's weaker checksum only for version-1 bundles (docs/bundle-format.md "Versions").
    const uint64_t computed = version == 1 ? checksum_v1(data + kHeaderSize, size - kHeaderSize)
                                           : checksum(data + kHeaderSize, size - kHeaderSize);
    if (stored != computed) {
      bad("", std::string("checksum mismatch (version ") + std::to_string(version) +
                  (version == 1 ? ", lane sums" : ", XXH3-64") + ": stored " + std::to_string(stored) + ", computed " +
                  std::to_string(computed) + "): the bytes changed after the bundle was written");
    }
  }

  // The entries follow one another in table order, from the end of the table to the end of the bundle:
  // every byte of a bundle is a field or checked padding, and no two entries share bytes.
  uint64_t next = align8(kHeaderSize + uint64_t(entry_count) * kEntryTableItemSize);
  std::vector<EntryView> out;
  out.reserve(entry_count);
  for (uint32_t k = 0; k < entry_count; ++k) {
    const std::string where = "entry " + std::to_string(k) + ": ";
    const uint64_t off = get<uint64_t>(data + kHeaderSize + uint64_t(k) * kEntryTableItemSize);
    const uint64_t esize = get<uint64_t>(data + kHeaderSize + uint64_t(k) * kEntryTableItemSize + 8);
    if (off != next) {
      bad(where, "offset=" + std::to_string(off) + " (entries follow one another in table order: expected " +
                     std::to_string(next) + ")");
    }
    if (esize < kEntryHeaderSize || esize > size - off || esize % 8 != 0) {
      bad(where, "size=" + std::to_string(esize) + " outside the bundle (or not a multiple of 8)");
    }
    out.push_back(parse_entry(data + off, esize, version, where));
    next = off + esize;
  }
  if (next != size) {
    bad("", "entry " + std::to_string(entry_count - 1) + " ends at " + std::to_string(next) + " but total_size=" +
                std::to_string(size) + " (bytes after the last entry)");
  }
  return out;
}

}  // namespace

std::vector<EntryView> parse(const uint8_t* data, size_t size) { return parse_bundle(data, size, Checksum::kVerify); }

std::vector<EntryView> parse_written(const uint8_t* data, size_t size) {
  return parse_bundle(data, size, Checksum::kTrust);
}

}  // namespace odvd::bundle
