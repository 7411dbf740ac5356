// libFuzzer target: colour_signal (demux/colour_signal.h): the H.264 / HEVC SPS VUI (sps_colour.cpp),
// the VP9 key frame header and the AV1 sequence header, read from untrusted packets and configuration
// records without decoding.
//
// Input: one selector byte (its low two bits: H.264, HEVC, VP9, AV1), then the bytes. The contract
// checked: it never throws, never reads outside the bytes (ASan), and reports codes in their ranges
// (8-bit H.273 codes or -1; range 1, 2 or -1).
#include <cstdint>

#include "demux/colour_signal.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr odvd::Codec kCodecs[4] = {odvd::Codec::kH264, odvd::Codec::kHEVC, odvd::Codec::kVP9, odvd::Codec::kAV1};

bool code(int v) { return v >= -1 && v <= 255; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const odvd::Codec codec = kCodecs[data[0] & 3];
  const odvd::bitstream::ColourSignal c = odvd::bitstream::colour_signal(codec, data + 1, size - 1);
  check(code(c.matrix) && code(c.primaries) && code(c.transfer));
  check(c.range == -1 || c.range == 1 || c.range == 2);

  // What the engine does with it: the stream's colour over the container's tags.
  odvd::StreamParams params;
  params.codec = codec;
  odvd::apply_signalled_colour(params, data + 1, size - 1);
  check(params.color_range >= 0 && params.color_range <= 2);
  return 0;
}
