// Whether a packet is a key frame by its own bitstream, not by what the container's index says: what
// GetGOP checks before it writes a bundle that starts there (engine/gop_extract.cpp), since a damaged
// index (an MP4 sync-sample table naming an inter frame) would otherwise make a bundle that decodes to
// garbage or not at all. Plain C++, no FFmpeg calls; never reads outside [data, data + size).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/stream_params.h"

namespace odvd::bitstream {

enum class KeyFrame { kNo, kYes, kUnknown };

// A packet as bundles carry it (docs/bundle-format.md, "What the packets are"):
//  H.264: Annex-B; yes for an IDR picture (NAL type 5) or one whose first slice is I or SI (a recovery
//    point: MP4 and Matroska mark those as sync samples too); no for P and B slices;
//  HEVC: Annex-B; yes for an IRAP picture (NAL types 16..23: BLA, IDR, CRA); no for other VCL types;
//  VP9: a frame or a superframe, whose first frame decides: frame_type KEY_FRAME; no for inter frames
//    and show_existing_frame;
//  AV1: a temporal unit (low-overhead OBUs with sizes); the first frame header decides: frame_type
//    KEY_FRAME (or a reduced still-picture header); no for other frame types and show_existing_frame.
// kUnknown when the bitstream cannot say (no picture found, truncated or malformed headers).
KeyFrame key_frame(Codec codec, const uint8_t* data, size_t size);

}  // namespace odvd::bitstream
