// libFuzzer target: bundle::parse (docs/bundle-format.md) on arbitrary bytes.
//
// Each input is parsed twice: as given, and with total_size and the checksum made to match, so the
// fuzzer reaches every field check behind the checksum (a random input almost never carries a valid
// checksum). The contract checked: parse returns views inside the input or throws
// std::invalid_argument (ValueError); any other exception escapes and libFuzzer reports it, as it
// does memory errors (ASan) and undefined behaviour (UBSan). A bundle that parses must serialize to
// one that parses back to the same entries.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "bundle/bundle.h"
#include "bundle/checksum.h"

namespace {

using odvd::bundle::EntryView;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

bool same(const EntryView& a, const EntryView& b) {
  if (a.source_path != b.source_path || a.first_frame_id != b.first_frame_id || a.gop_len != b.gop_len ||
      a.payload_size != b.payload_size || a.packets.size() != b.packets.size() ||
      a.params.extradata != b.params.extradata || a.params.codec != b.params.codec ||
      a.params.width != b.params.width || a.params.height != b.params.height ||
      a.params.frame_count != b.params.frame_count) {
    return false;
  }
  for (size_t i = 0; i < a.packets.size(); ++i) {
    const auto &p = a.packets[i], &q = b.packets[i];
    if (p.offset != q.offset || p.size != q.size || p.flags != q.flags || p.pts != q.pts || p.dts != q.dts ||
        p.frame_id != q.frame_id) {
      return false;
    }
  }
  return std::memcmp(a.payload, b.payload, a.payload_size) == 0;
}

void parse_and_check(const uint8_t* data, size_t size) {
  std::vector<EntryView> entries;
  try {
    entries = odvd::bundle::parse(data, size);
  } catch (const std::invalid_argument&) {
    return;
  }
  check(!entries.empty());
  for (const EntryView& e : entries) {
    check(e.payload >= data && e.payload_size <= size && e.payload + e.payload_size <= data + size);
    check(!e.packets.empty());
  }
  // Round trip: what the parser accepted, the writer writes and the parser reads back unchanged.
  std::vector<uint8_t> again(odvd::bundle::serialized_size(entries));
  odvd::bundle::serialize(entries, again.data(), again.size());
  const std::vector<EntryView> back = odvd::bundle::parse(again.data(), again.size());
  check(back.size() == entries.size());
  for (size_t k = 0; k < back.size(); ++k) check(same(entries[k], back[k]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  parse_and_check(data, size);
  if (size < 32) return 0;
  // The same bytes with a consistent header: total_size = the length (cut to 32 + a multiple of 8).
  std::vector<uint8_t> fixed(data, data + 32 + (size - 32) / 8 * 8);
  put_u64(fixed.data() + 16, fixed.size());
  // The checksum of the version the header names (1: the lane sums still read; else XXH3-64), so the
  // fuzzer reaches the field checks of both.
  const bool v1 = fixed[8] == 1 && fixed[9] == 0;
  const uint64_t sum = v1 ? odvd::bundle::checksum_v1(fixed.data() + 32, fixed.size() - 32)
                          : odvd::bundle::checksum(fixed.data() + 32, fixed.size() - 32);
  put_u64(fixed.data() + 24, sum);
  parse_and_check(fixed.data(), fixed.size());
  return 0;
}
