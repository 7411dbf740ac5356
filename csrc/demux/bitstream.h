// Small readers of the bitstream structures the engine needs without decoding: Annex-B NAL unit
// headers (H.264 / HEVC), AV1 OBU headers, and the codec configuration records of MP4/Matroska
// (avcC, hvcC, av1C, vpcC) for bit depth and chroma format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

namespace odvd::bitstream {

// Whether an Annex-B access unit carries a sequence parameter set (H.264 NAL 7, HEVC NAL 33).
bool annexb_has_sps(AVCodecID codec, const uint8_t* data, size_t size);

// Whether the access unit is a non-reference picture by its first VCL NAL unit header:
//  H.264: nal_ref_idc == 0 (H.264 7.4.1: the same for every slice of a picture);
//  HEVC: a sub-layer non-reference type (TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N, RSV_VCL_N1x) in a
//  stream with one temporal sub-layer, where no picture of a higher sub-layer can reference it.
// Returns false when unsure.
bool annexb_is_nonref(AVCodecID codec, const uint8_t* data, size_t size, bool hevc_single_sublayer);

// Whether an AV1 temporal unit (low-overhead OBU format, sizes present) holds a sequence header.
bool av1_has_sequence_header(const uint8_t* data, size_t size);

// Bytes of the first frame of a VP9 packet: a superframe's first, else the whole packet.
size_t vp9_first_frame_size(const uint8_t* data, size_t size);

// Whether `extradata` is a length-prefixed configuration record (avcC / hvcC, first byte 1) rather
// than Annex-B parameter sets.
bool is_config_record(const std::vector<uint8_t>& extradata);

// hvcC numTemporalLayers (0 = unknown).
int hvcc_temporal_layers(const std::vector<uint8_t>& extradata);

// av1C configOBUs (the sequence header), empty when absent.
std::vector<uint8_t> av1c_config_obus(const std::vector<uint8_t>& extradata);

struct SampleFormat {
  int bit_depth = 0;      // 0: unknown
  int chroma_format = 0;  // 0: 4:0:0, 1: 4:2:0, 2: 4:2:2, 3: 4:4:4; -1: unknown
};
// Bit depth and chroma format from a configuration record, when it says.
SampleFormat format_from_extradata(AVCodecID codec, const std::vector<uint8_t>& extradata);

}  // namespace odvd::bitstream
