// The H.264 / HEVC half of colour_signal(): the colour description of the first sequence parameter
// set (HEVC: of the base layer) in Annex-B bytes, or in an avcC / hvcC record (first byte 1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "demux/colour_signal.h"

namespace odvd::bitstream {

ColourSignal sps_colour(bool hevc, const uint8_t* data, size_t size);

}  // namespace odvd::bitstream
