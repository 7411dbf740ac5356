// HEVC parameter sets as far as the reference structure needs them: the SPS up to its VUI (short-term
// reference picture sets with their used_by_curr_pic flags, long-term settings, POC length) and the
// slice-header fields of the PPS. Shared by the colour reader (sps_colour.cpp: the VUI follows) and
// the reference reader (hevc_references.cpp). Every field is read with its exact length; a malformed
// set leaves the BitReader !ok().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "demux/bit_reader.h"

namespace odvd::bitstream {

// A short-term reference picture set as H.265 7.4.8 derives it: DeltaPocS0 (nearest first, negative)
// and DeltaPocS1 (positive), with UsedByCurrPicS0 / S1.
struct HevcStRps {
  int num_negative = 0, num_positive = 0;
  int32_t s0[16] = {}, s1[16] = {};
  bool used0[16] = {}, used1[16] = {};
  int num_delta_pocs() const { return num_negative + num_positive; }
};

struct HevcSps {
  uint32_t sps_id = 0;
  uint32_t chroma_format_idc = 1;  // 0 4:0:0, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool separate_colour_plane = false;
  int poc_lsb_bits = 0;        // log2_max_pic_order_cnt_lsb_minus4 + 4
  uint32_t max_dec = 0;        // sps_max_dec_pic_buffering_minus1 of the highest sub-layer
  uint32_t num_st_rps = 0;     // num_short_term_ref_pic_sets
  HevcStRps st_rps[65];        // the SPS's sets, and one slot for a slice header's own set
  bool long_term_present = false;
  uint32_t num_lt_sps = 0;     // num_long_term_ref_pics_sps
};

struct HevcPps {
  uint32_t pps_id = 0;
  uint32_t sps_id = 0;
  bool output_flag_present = false;
  int num_extra_slice_header_bits = 0;
};

// 7.3.2.2.1 seq_parameter_set_rbsp() of the base layer, from `r` just after the two-byte NAL unit
// header, up to sps_temporal_mvp_enabled_flag and strong_intra_smoothing_enabled_flag: `r` is left at
// vui_parameters_present_flag. False when malformed.
bool read_hevc_sps(BitReader& r, HevcSps& sps);

// 7.3.2.3.1 pic_parameter_set_rbsp() up to num_extra_slice_header_bits.
bool read_hevc_pps(BitReader& r, HevcPps& pps);

// 7.3.7 st_ref_pic_set(idx) with the derivation of 7.4.8 into sets[idx]. In an SPS idx <
// num_st_rps; in a slice header idx == num_st_rps, where delta_idx_minus1 chooses the set predicted
// from. `max_dec` bounds the picture counts.
bool read_st_ref_pic_set(BitReader& r, uint32_t idx, uint32_t num_st_rps, HevcStRps* sets, uint32_t max_dec);

// Calls fn(nal, size) for each NAL unit of Annex-B bytes (H.264 B.1, H.265 B.2) until fn returns
// false: NAL units follow 00 00 01, and one ends where the next start code or trailing zero bytes
// begin (00 00 0x with x <= 2 never occurs inside a NAL unit).
template <typename Fn>
void for_each_annexb_nal(const uint8_t* p, size_t n, Fn fn) {
  size_t i = 0;
  while (i + 3 <= n) {
    if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1) {
      ++i;
      continue;
    }
    const size_t start = i + 3;
    size_t end = start;
    while (end + 3 <= n && !(p[end] == 0 && p[end + 1] == 0 && p[end + 2] <= 2)) ++end;
    if (end + 3 > n) end = n;
    if (end > start && !fn(p + start, end - start)) return;
    i = end;
  }
}

// The RBSP of a NAL unit (emulation_prevention_three_byte removed, H.265 7.3.1.1 / H.264 7.3.1)
// after its `header` bytes, at most `limit` bytes of it.
std::vector<uint8_t> nal_rbsp(const uint8_t* nal, size_t size, size_t header, size_t limit);

}  // namespace odvd::bitstream
