// GOP bundles: self-contained, versioned bytes holding the packets of one or more GOPs and what a
// decoder needs to decode them without the source file. The layout is docs/bundle-format.md; the
// parser treats the bytes as untrusted: every count, offset and size is checked before use and a
// bad one raises std::invalid_argument (ValueError) naming the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/stream_params.h"
#include "gop/reference_closure.h"

namespace odvd::bundle {

constexpr char kMagic[8] = {'O', 'D', 'V', 'D', 'G', 'O', 'P', 'B'};
// The writer uses the oldest version that holds what it writes, so older builds read what they can.
constexpr uint16_t kVersion = 4;            // newest read; written when an entry has a chroma_location
constexpr uint16_t kReferencesVersion = 3;  // written when an entry carries a reference table
constexpr uint16_t kPlainVersion = 2;       // written otherwise (checksum: XXH3-64)
constexpr uint16_t kOldestVersion = 1;  // still read (checksum: lane sums), docs/bundle-format.md "Versions"
constexpr uint32_t kHeaderSize = 32;
constexpr uint32_t kEntryTableItemSize = 16;
constexpr uint32_t kEntryHeaderSize = 128;
constexpr uint32_t kPacketRecordSize = 40;

struct PacketRecord {
  uint64_t offset = 0;  // in the entry's payload
  uint32_t size = 0;
  uint32_t flags = 0;   // SampleFlag bits (index/stream_index.h): key, non-ref, discard, prefix
  int64_t pts = 0;
  int64_t dts = 0;
  int64_t frame_id = -1;
};

// One GOP of one file. `payload` points at the packets' bytes (owned elsewhere).
struct EntryView {
  StreamParams params;
  std::string source_path;
  int64_t first_frame_id = 0;
  uint32_t gop_len = 0;
  std::vector<PacketRecord> packets;  // decode order
  const uint8_t* payload = nullptr;
  uint64_t payload_size = 0;
  // Each packet's references (version 3's reference table, gop/reference_closure.h); empty: none.
  ReferenceLists references;
};

// Bytes needed for `entries`, and writing them into `dst` (exactly that many bytes). A payload that
// already sits where it belongs in `dst` is left in place (see payload_offset).
size_t serialized_size(const std::vector<EntryView>& entries);
void serialize(const std::vector<EntryView>& entries, uint8_t* dst, size_t size);

// Where the payload of `e` goes in a bundle holding `e` alone: a GOP read straight to that offset
// serializes without a copy. Depends on the packet count, extradata and path, not the payload size.
size_t payload_offset(const EntryView& e);

// Validates `data` completely (header, checksum, every entry, every rule of docs/bundle-format.md)
// and returns views into it.
std::vector<EntryView> parse(const uint8_t* data, size_t size);

// The same for bytes serialize() has just written in this process: every rule but the checksum, which
// serialize computed over these very bytes (recomputing it would prove nothing). GetGOP checks what it
// extracted from a file with it.
std::vector<EntryView> parse_written(const uint8_t* data, size_t size);

// One entry of `entry_size` bytes at `h` (the entry header) of a bundle of `version`, every rule of
// docs/bundle-format.md "Entry"; `where` starts the messages ("entry 3: "). bundle_entry.cpp.
EntryView parse_entry(const uint8_t* h, uint64_t entry_size, uint16_t version, const std::string& where);

}  // namespace odvd::bundle
