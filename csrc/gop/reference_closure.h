// Reference-closure decoding: which packets a decoder must see to put out some target pictures, when
// the bitstream says which earlier pictures each picture references (demux/references.h reads it).
// The generalisation of the non-reference skip of gop_plan.h: a target needs the pictures it
// references, theirs, and so on (its reference closure); every other picture of the run is left out.
// Pure logic on plain vectors, unit-tested alone (docs/reference-closure.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gop/gop_plan.h"

namespace odvd {

// The direct references of each packet of a span (decode order), as rows of a compressed sparse row
// table: packet i references the packets refs[row[i] .. row[i+1]), earlier packets of the span, in
// ascending order. A packet whose references the bitstream could not tell (known[i] == 0) needs every
// packet before it. Empty (size() == 0) when nothing was read: the codec is not analysed.
struct ReferenceLists {
  std::vector<uint32_t> row{0};  // packet_count + 1 offsets into refs
  std::vector<uint32_t> refs;
  std::vector<uint8_t> known;    // per packet: 1 = its list is complete

  size_t size() const { return known.size(); }
  bool empty() const { return known.empty(); }
  // Appends packet size() with its references (ascending decode indices < size()).
  void add(const std::vector<uint32_t>& references, bool is_known);
  bool operator==(const ReferenceLists& o) const { return row == o.row && refs == o.refs && known == o.known; }
};

// The packets of [first, last] (indices into `lists`) that decoding `targets` needs: each target and,
// transitively, what it references, plus `first` (the key frame the decoder starts from, which carries
// the parameter sets). Empty when one of them has an unknown list (then the caller feeds the whole
// run). Ascending.
std::vector<int32_t> reference_closure(const ReferenceLists& lists, int32_t first, int32_t last,
                                       const std::vector<int32_t>& targets);

// Narrows run.feed (already chosen by select_feed) to the reference closure of the run's targets,
// where `lists` covers the run: lists index 0 is packet `lists_start` of `seq`. Leaves run.feed as it
// is, and returns false, when the lists do not cover the run or a needed packet's list is unknown.
bool select_closure_feed(const PacketSequence& seq, const ReferenceLists& lists, int32_t lists_start, DecodeRun& run);

}  // namespace odvd
