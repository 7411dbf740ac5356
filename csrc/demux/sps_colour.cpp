// The colour description of H.264 / HEVC streams: the sequence parameter set parsed clause by clause
// up to its VUI colour fields (every skipped field read with its exact length: one wrong skip
// silently shifts every later field), found in Annex-B bytes or in an avcC / hvcC record.
#include "demux/sps_colour.h"

#include <algorithm>
#include <vector>

#include "demux/bit_reader.h"
#include "demux/hevc_sps.h"

namespace odvd::bitstream {
namespace {

constexpr int32_t kMaxSe = 0x7fffffff;   // se(v) values of 32-bit fields: -(2^31 - 1) .. 2^31 - 1
constexpr size_t kMaxRbsp = 64 * 1024;   // far above any SPS; bounds the copy of a malformed NAL unit

constexpr int kLeft = 1;  // AVCHROMA_LOC_LEFT: chroma_sample_loc_type 0

ColourSignal checked(const BitReader& r, const ColourSignal& c) { return r.ok() ? c : ColourSignal{}; }

// H.264 E.1.1 / H.265 E.2.1: the VUI, identical in both up to the colour description.
// Range and colour description as FFmpeg's decoders export them: signalled only with
// video_signal_type_present_flag (and colour_description_present_flag for the three codes); the
// chroma siting with chroma_loc_info_present_flag.
ColourSignal vui_colour(BitReader& r) {
  ColourSignal c;
  if (r.flag()) {                   // aspect_ratio_info_present_flag
    if (r.u(8) == 255) r.skip(32);  // aspect_ratio_idc == EXTENDED_SAR: sar_width(16), sar_height(16)
  }
  if (r.flag()) r.skip(1);          // overscan_info_present_flag: overscan_appropriate_flag
  if (r.flag()) {                   // video_signal_type_present_flag
    r.skip(3);                      // video_format
    c.range = r.flag() ? 2 : 1;     // video_full_range_flag
    if (r.flag()) {                 // colour_description_present_flag
      c.primaries = static_cast<int>(r.u(8));
      c.transfer = static_cast<int>(r.u(8));
      c.matrix = static_cast<int>(r.u(8));
    }
  }
  if (r.flag()) {  // chroma_loc_info_present_flag
    // chroma_sample_loc_type_top_field, _bottom_field: 0..5; FFmpeg reports top + 1 (AVChromaLocation),
    // and nothing for a value out of range (which leaves the colour description valid).
    const uint32_t top = r.ue();
    r.ue();  // chroma_sample_loc_type_bottom_field
    if (top <= 5) c.chroma_location = static_cast<int>(top) + 1;
  } else {
    c.chroma_location = kLeft;  // type 0, the default FFmpeg's decoders report for a VUI without it
  }
  return checked(r, c);
}

// ---- H.264 ----------------------------------------------------------------------------------

// 7.3.2.1.1: the profiles whose SPS carries chroma_format_idc .. seq_scaling_matrix_present_flag;
// also 144, the High 4:4:4 profile of the 2005 edition (later removed), as FFmpeg's decoder reads it.
bool h264_has_chroma_info(uint32_t profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 86:
    case 118: case 128: case 138: case 139: case 134: case 135: case 144:
      return true;
    default:
      return false;
  }
}

// 7.3.2.1.1.1 scaling_list(): the delta_scale values are read and dropped; a nextScale of 0 ends
// the list (useDefaultScalingMatrixFlag when it happens at j == 0).
void skip_h264_scaling_list(BitReader& r, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size && r.ok(); ++j) {
    if (next != 0) next = (last + r.se(-128, 127) + 256) % 256;  // delta_scale
    last = next == 0 ? last : next;
  }
}

// 7.3.2.1.1 seq_parameter_set_data(), then vui_parameters() (E.1.1). `r` is at profile_idc.
ColourSignal h264_sps(BitReader& r) {
  const uint32_t profile_idc = r.u(8);
  r.skip(16);  // constraint_set0..5_flag, reserved_zero_2bits, level_idc
  r.ue(31);    // seq_parameter_set_id
  if (h264_has_chroma_info(profile_idc)) {
    const uint32_t chroma_format_idc = r.ue(3);
    if (chroma_format_idc == 3) r.skip(1);  // separate_colour_plane_flag
    r.ue(6);                                 // bit_depth_luma_minus8
    r.ue(6);                                 // bit_depth_chroma_minus8
    r.skip(1);                               // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {                          // seq_scaling_matrix_present_flag
      const int lists = chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists && r.ok(); ++i) {
        if (r.flag()) skip_h264_scaling_list(r, i < 6 ? 16 : 64);  // seq_scaling_list_present_flag[i]
      }
    }
  }
  r.ue(12);                           // log2_max_frame_num_minus4
  const uint32_t poc_type = r.ue(2);  // pic_order_cnt_type
  if (poc_type == 0) {
    r.ue(12);  // log2_max_pic_order_cnt_lsb_minus4
  } else if (poc_type == 1) {
    r.skip(1);                                  // delta_pic_order_always_zero_flag
    r.se(-kMaxSe, kMaxSe);                      // offset_for_non_ref_pic
    r.se(-kMaxSe, kMaxSe);                      // offset_for_top_to_bottom_field
    const uint32_t cycle = r.ue(255);           // num_ref_frames_in_pic_order_cnt_cycle
    for (uint32_t i = 0; i < cycle && r.ok(); ++i) r.se(-kMaxSe, kMaxSe);  // offset_for_ref_frame[i]
  }
  r.ue(16);    // max_num_ref_frames (at most MaxDpbFrames, A.3.1: 16)
  r.skip(1);   // gaps_in_frame_num_value_allowed_flag
  r.ue();      // pic_width_in_mbs_minus1
  r.ue();      // pic_height_in_map_units_minus1
  if (!r.flag()) r.skip(1);  // frame_mbs_only_flag; else mb_adaptive_frame_field_flag
  r.skip(1);                 // direct_8x8_inference_flag
  if (r.flag()) {            // frame_cropping_flag: left, right, top, bottom offsets
    for (int i = 0; i < 4; ++i) r.ue();
  }
  if (!r.flag() || !r.ok()) return {};  // vui_parameters_present_flag
  return vui_colour(r);
}

// ---- HEVC -----------------------------------------------------------------------------------

// 7.3.2.2.1 seq_parameter_set_rbsp() up to its VUI (hevc_sps.cpp), then vui_parameters() (E.2.1).
// `r` is after the two-byte NAL unit header.
ColourSignal hevc_sps(BitReader& r) {
  HevcSps sps;
  if (!read_hevc_sps(r, sps) || !r.ok()) return {};
  ColourSignal c;
  if (r.flag()) {  // vui_parameters_present_flag
    c = vui_colour(r);
  } else if (r.ok()) {
    c.chroma_location = kLeft;  // FFmpeg's HEVC decoder reports left for 4:2:0 without a VUI
  }
  // ... and nothing for other chroma formats, whatever the VUI says.
  if (sps.chroma_format_idc != 1) c.chroma_location = -1;
  return c;
}

// ---- NAL units, Annex-B, avcC / hvcC ------------------------------------------------------------

bool is_sps(bool hevc, const uint8_t* nal, size_t n) {
  if (n < (hevc ? 2u : 1u) || (nal[0] & 0x80)) return false;  // forbidden_zero_bit
  if (!hevc) return (nal[0] & 0x1f) == 7;                      // H.264 7.3.1: nal_unit_type SPS
  const int layer = ((nal[0] & 1) << 5) | (nal[1] >> 3);       // H.265 7.3.1.2: nuh_layer_id
  return ((nal[0] >> 1) & 0x3f) == 33 && layer == 0;           // SPS_NUT of the base layer
}

// The SPS NAL unit's RBSP with emulation_prevention_three_byte removed (H.264 7.3.1, H.265 7.3.1.1),
// then parsed.
ColourSignal parse_sps(bool hevc, const uint8_t* nal, size_t n) {
  const std::vector<uint8_t> rbsp = nal_rbsp(nal, n, hevc ? 2 : 1, kMaxRbsp);
  BitReader r(rbsp.data(), rbsp.size());
  return hevc ? hevc_sps(r) : h264_sps(r);
}

// The first SPS of Annex-B bytes.
ColourSignal annexb_sps(bool hevc, const uint8_t* p, size_t n) {
  ColourSignal c;
  for_each_annexb_nal(p, n, [&](const uint8_t* nal, size_t size) {
    if (!is_sps(hevc, nal, size)) return true;
    c = parse_sps(hevc, nal, size);
    return false;
  });
  return c;
}

// One NAL unit of a configuration record: 16-bit length, then the NAL unit. Advances `i`; returns
// false when the record ends early.
bool next_record_nal(const uint8_t* p, size_t n, size_t& i, const uint8_t*& nal, size_t& len) {
  if (n - i < 2) return false;
  len = (size_t{p[i]} << 8) | p[i + 1];
  if (len > n - i - 2) return false;
  nal = p + i + 2;
  i += 2 + len;
  return true;
}

// ISO/IEC 14496-15 5.3.3.1 AVCDecoderConfigurationRecord: configurationVersion, profile,
// compatibility, level, lengthSizeMinusOne, numOfSequenceParameterSets (low 5 bits), the SPSs.
ColourSignal avcc_sps(const uint8_t* p, size_t n) {
  if (n < 6) return {};
  size_t i = 6;
  for (int k = 0; k < (p[5] & 0x1f); ++k) {
    const uint8_t* nal = nullptr;
    size_t len = 0;
    if (!next_record_nal(p, n, i, nal, len)) return {};
    if (is_sps(false, nal, len)) return parse_sps(false, nal, len);
  }
  return {};
}

// ISO/IEC 14496-15 8.3.3.1 HEVCDecoderConfigurationRecord: 22 bytes of fields, numOfArrays, then
// per array: array_completeness/NAL_unit_type (1 byte), numNalus (16 bits), the NAL units.
ColourSignal hvcc_sps(const uint8_t* p, size_t n) {
  if (n < 23) return {};
  size_t i = 23;
  for (int a = 0; a < p[22]; ++a) {
    if (n - i < 3) return {};
    const int count = (p[i + 1] << 8) | p[i + 2];
    i += 3;
    for (int k = 0; k < count; ++k) {
      const uint8_t* nal = nullptr;
      size_t len = 0;
      if (!next_record_nal(p, n, i, nal, len)) return {};
      if (is_sps(true, nal, len)) return parse_sps(true, nal, len);
    }
  }
  return {};
}
}  // namespace

ColourSignal sps_colour(bool hevc, const uint8_t* data, size_t size) {
  if (data == nullptr || size == 0) return {};
  if (data[0] != 1) return annexb_sps(hevc, data, size);  // Annex-B starts with a zero byte
  return hevc ? hvcc_sps(data, size) : avcc_sps(data, size);
}

}  // namespace odvd::bitstream
