// The colour description a video bitstream signals itself, read without decoding: the H.264 / HEVC
// SPS VUI (sps_colour.cpp), the VP9 key frame colour config, the AV1 sequence header colour config
// (colour_signal.cpp). Plain C++, no FFmpeg calls. A stream's colour is resolved from this first and
// from the container's tags second (docs/color.md, "Where the colour description comes from").
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/stream_params.h"

namespace odvd::bitstream {

struct ColourSignal {  // each field -1 when the bitstream does not signal it
  int matrix = -1;     // ITU-T H.273 MatrixCoefficients (== FFmpeg AVColorSpace values)
  int primaries = -1;  // H.273 ColourPrimaries (== AVColorPrimaries)
  int transfer = -1;   // H.273 TransferCharacteristics (== AVColorTransferCharacteristic)
  int range = -1;      // AVColorRange: 1 = limited (MPEG), 2 = full (JPEG)
  int chroma_location = -1;  // AVChromaLocation 1..6 (H.264 / HEVC chroma_sample_loc_type_top_field + 1;
                             // AV1 chroma_sample_position: 1 vertical = left, 2 colocated = top-left)
  // The sample format, from a VP9 key frame's profile and color_config or an AV1 sequence header's
  // color_config (H.264 / HEVC: not read here, -1): bits per sample, and chroma_format as in
  // bitstream::SampleFormat (0 4:0:0, 1 4:2:0, 2 4:2:2, 3 4:4:4 and the other unsubsampled-height
  // layouts such as VP9's 4:4:0 and RGB).
  int bit_depth = -1;
  int chroma_format = -1;
};

// From one access unit / temporal unit / frame, or from parameter sets:
//  H.264 / HEVC: Annex-B bytes (start codes) holding an SPS (the first SPS found is parsed; HEVC:
//    the first with nuh_layer_id 0); or a length-prefixed configuration record (avcC / hvcC, first
//    byte 1), whose first SPS is parsed;
//  VP9: one frame or a superframe, whose first frame is a key frame (its uncompressed header's
//    color_config); other frames signal nothing;
//  AV1: OBUs in low-overhead format (sizes present) holding a sequence header, or an av1C record
//    (its configOBUs).
// Codes are reported as the bitstream writes them (explicit "unspecified", 2, included).
// Never throws and never reads outside [data, data + size). All or nothing: truncated or malformed
// input (a read past the end, a value out of its specified range, a bad marker) gives every field -1.
ColourSignal colour_signal(Codec codec, const uint8_t* data, size_t size);

}  // namespace odvd::bitstream

namespace odvd {

// A stream's colour description, field by field: the bitstream's code where it signals one (an
// explicit "unspecified", 2, counts as not signalled, as FFmpeg's decoders report it), else what
// `params` holds (the container's tags). Resolved once per stream on the host, so no decoder's
// per-picture state (which a reused decoder carries over from the previous stream) is ever used.
void apply_signalled_colour(StreamParams& params, const bitstream::ColourSignal& signal);

// The same from the first packet of a sequence (a key frame carrying its parameter sets, as in
// bundles and packet lists).
void apply_signalled_colour(StreamParams& params, const uint8_t* first_packet, size_t size);

}  // namespace odvd
