// An entry's reference table (docs/bundle-format.md "Reference table"): u32 format (1), u32 edge_count,
// u32 row[packet_count + 1], u32 refs[edge_count], u8 known[packet_count], zero padding to 8 bytes.
#include "bundle/bundle_references.h"

#include <cstring>

#include "bundle/wire.h"

namespace odvd::bundle {
using wire::align8;
using wire::bad;
using wire::get;
using wire::put;

namespace {
constexpr uint32_t kFormat = 1;

uint64_t table_size(uint64_t packets, uint64_t edges) { return align8(8 + 4 * (packets + 1) + 4 * edges + packets); }
}  // namespace

size_t references_size(const ReferenceLists& lists) {
  return lists.empty() ? 0 : static_cast<size_t>(table_size(lists.size(), lists.refs.size()));
}

void write_references(const ReferenceLists& lists, uint8_t* dst) {
  const size_t size = references_size(lists);
  if (size == 0) return;
  std::memset(dst, 0, size);
  put<uint32_t>(dst, kFormat);
  put<uint32_t>(dst + 4, static_cast<uint32_t>(lists.refs.size()));
  uint8_t* q = dst + 8;
  for (uint32_t r : lists.row) put<uint32_t>(q, r), q += 4;
  for (uint32_t r : lists.refs) put<uint32_t>(q, r), q += 4;
  std::memcpy(q, lists.known.data(), lists.known.size());
}

ReferenceLists read_references(const uint8_t* p, uint64_t size, uint32_t packet_count, const std::string& where) {
  const std::string at = where + "reference table: ";
  if (size < 8) bad(at, "only " + std::to_string(size) + " bytes");
  const uint32_t format = get<uint32_t>(p);
  if (format != kFormat) {
    bad(at, "format=" + std::to_string(format) + " (this build reads format 1; a newer on_demand_video_decoder wrote it, "
                                                 "or it is damaged)");
  }
  const uint32_t edges = get<uint32_t>(p + 4);
  if (table_size(packet_count, edges) != size) {
    bad(at, "edge_count=" + std::to_string(edges) + " with " + std::to_string(packet_count) + " packets needs " +
                std::to_string(table_size(packet_count, edges)) + " bytes, the entry gives " + std::to_string(size));
  }
  ReferenceLists lists;
  lists.row.clear();
  const uint8_t* q = p + 8;
  for (uint32_t i = 0; i <= packet_count; ++i, q += 4) lists.row.push_back(get<uint32_t>(q));
  for (uint32_t i = 0; i < edges; ++i, q += 4) lists.refs.push_back(get<uint32_t>(q));
  lists.known.assign(q, q + packet_count);
  q += packet_count;
  if (lists.row[0] != 0 || lists.row[packet_count] != edges) {
    bad(at, "row offsets start at " + std::to_string(lists.row[0]) + " and end at " +
                std::to_string(lists.row[packet_count]) + " (expected 0 and edge_count=" + std::to_string(edges) + ")");
  }
  for (uint32_t i = 0; i < packet_count; ++i) {
    const std::string pk = at + "packet " + std::to_string(i) + ": ";
    if (lists.row[i + 1] < lists.row[i] || lists.row[i + 1] > edges) bad(pk, "row offsets decrease or pass edge_count");
    if (lists.known[i] > 1) bad(pk, "known=" + std::to_string(lists.known[i]) + " (0 or 1)");
    if (!lists.known[i] && lists.row[i + 1] != lists.row[i]) bad(pk, "references listed for a packet marked unknown");
    for (uint32_t k = lists.row[i]; k < lists.row[i + 1]; ++k) {
      const uint32_t r = lists.refs[k];
      if (r >= i) bad(pk, "references packet " + std::to_string(r) + " (only earlier packets can be referenced)");
      if (k > lists.row[i] && r <= lists.refs[k - 1]) bad(pk, "references not strictly ascending");
    }
  }
  for (const uint8_t* end = p + size; q < end; ++q) {
    if (*q != 0) bad(at, "padding is not zero");
  }
  return lists;
}

}  // namespace odvd::bundle
