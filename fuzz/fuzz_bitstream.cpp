// libFuzzer target: the NAL / OBU / configuration-record readers of demux/bitstream.h, which run on
// every packet the engine reads (parameter sets in front of key frames, non-reference flags) and on
// every container's codec configuration.
//
// Input: one selector byte, then the bytes. Selector bits 0-1: the codec (H.264, HEVC, AV1, VP9);
// bit 2: hevc_single_sublayer. The bytes are passed as a packet and, in an exactly sized vector, as
// extradata, so ASan sees any read past either end. None of these functions throws.
#include <cstdint>
#include <vector>

#include "demux/bitstream.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr AVCodecID kCodecs[4] = {AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_AV1, AV_CODEC_ID_VP9};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const AVCodecID codec = kCodecs[data[0] & 3];
  const bool single_sublayer = data[0] & 4;
  const uint8_t* p = data + 1;
  const size_t n = size - 1;
  namespace bs = odvd::bitstream;

  if (codec == AV_CODEC_ID_H264 || codec == AV_CODEC_ID_HEVC) {
    bs::annexb_has_sps(codec, p, n);
    bs::annexb_is_nonref(codec, p, n, single_sublayer);
  }
  bs::av1_has_sequence_header(p, n);

  const std::vector<uint8_t> extradata(p, p + n);
  bs::is_config_record(extradata);
  const int layers = bs::hvcc_temporal_layers(extradata);
  check(layers >= 0 && layers <= 7);
  const std::vector<uint8_t> obus = bs::av1c_config_obus(extradata);
  check(obus.size() <= n);
  for (AVCodecID c : kCodecs) {
    const bs::SampleFormat f = bs::format_from_extradata(c, extradata);
    check(f.bit_depth >= 0 && f.bit_depth <= 16 && f.chroma_format >= -1 && f.chroma_format <= 3);
  }
  return 0;
}
