// Which earlier pictures each picture of a packet span references, read from the bitstream without
// decoding, for reference-closure decoding (gop/reference_closure.h, docs/reference-closure.md).
//
// HEVC: the short-term reference picture set of each picture's first slice segment header, its
// entries marked used_by_curr_pic (StCurrBefore and StCurrAfter, H.265 8.3.2), resolved to packets by
// picture order count (8.3.1). Pictures with long-term references are unknown. A decoder given only a
// closure sees the same reference lists for every picture it decodes, because HEVC builds them from
// the POC deltas each picture signals; a picture left out is at most a "missing reference" of a
// set's foll entries, which nothing decoded uses.
//
// AV1: the reference slots each frame header names (ref_frame_idx; the slot show_existing_frame shows;
// every slot under frame_refs_short_signaling), resolved to the packet that last refreshed the slot.
// Everything AV1 carries from frame to frame goes through those slots.
//
// H.264 and VP9 are not analysed (empty lists): leaving out a reference picture changes the decoder's
// state for the pictures after it (H.264: frame_num gaps are filled with stand-ins whose POC differs,
// which reorders B-slice lists; VP9: probability contexts, loop filter deltas, segmentation maps and
// the previous frame's motion vectors pass from frame to frame in decode order). Their runs keep the
// non-reference skip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/stream_params.h"
#include "gop/reference_closure.h"

namespace odvd {

using PacketBytes = std::pair<const uint8_t*, size_t>;

// The reference lists of `packets` (decode order, the first one a key frame carrying its parameter
// sets or sequence header, as runs and bundle entries are); empty for a codec that is not analysed or
// an HEVC span that does not start at an IRAP picture.
ReferenceLists read_reference_lists(Codec codec, const std::vector<PacketBytes>& packets);

// The codecs' halves (hevc_references.cpp, av1_references.cpp).
ReferenceLists hevc_reference_lists(const std::vector<PacketBytes>& packets);
ReferenceLists av1_reference_lists(const std::vector<PacketBytes>& packets);

}  // namespace odvd
