// HEVC SPS up to its VUI, PPS slice-header fields and st_ref_pic_set(), clause by clause (H.265
// 7.3.2.2.1, 7.3.2.3.1, 7.3.7 with the derivations of 7.4.8). Every skipped field is read with its
// exact length: one wrong skip silently shifts every later field.
#include "demux/hevc_sps.h"

#include <algorithm>

namespace odvd::bitstream {
namespace {

// 7.3.3 profile_tier_level(1, sps_max_sub_layers_minus1).
void skip_profile_tier_level(BitReader& r, int max_sub_layers_minus1) {
  // general_profile_space(2) general_tier_flag(1) general_profile_idc(5)
  // general_profile_compatibility_flag[32] progressive, interlaced, non_packed, frame_only (4)
  // 43 bits of constraint flags / reserved, general_inbld_flag or reserved (1): 88 bits; then
  // general_level_idc(8).
  r.skip(88 + 8);
  bool profile_present[8] = {}, level_present[8] = {};
  for (int i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = r.flag();  // sub_layer_profile_present_flag[i]
    level_present[i] = r.flag();    // sub_layer_level_present_flag[i]
  }
  if (max_sub_layers_minus1 > 0) r.skip(static_cast<size_t>(2 * (8 - max_sub_layers_minus1)));  // reserved_zero_2bits
  for (int i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) r.skip(88);  // the 88 sub-layer profile bits, laid out as above
    if (level_present[i]) r.skip(8);     // sub_layer_level_idc[i]
  }
}

// 7.3.4 scaling_list_data(), values read and dropped with the ranges of 7.4.5.
void skip_scaling_list_data(BitReader& r) {
  for (int size_id = 0; size_id < 4; ++size_id) {
    for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      if (!r.flag()) {  // scaling_list_pred_mode_flag
        r.ue(static_cast<uint32_t>(size_id == 3 ? matrix_id / 3 : matrix_id));  // scaling_list_pred_matrix_id_delta
      } else {
        const int coefs = std::min(64, 1 << (4 + (size_id << 1)));
        if (size_id > 1) r.se(-7, 247);                    // scaling_list_dc_coef_minus8
        for (int i = 0; i < coefs; ++i) r.se(-128, 127);   // scaling_list_delta_coef
      }
    }
  }
}

// (7-61) / (7-62): a set predicted from `ref` by deltaRps, with its used flags.
bool predict_rps(const HevcStRps& ref, int32_t delta_rps, const bool* used, const bool* use_delta, HevcStRps& s) {
  const int n = ref.num_delta_pocs();
  int i = 0;
  auto add = [&](int32_t* out, bool* out_used, int32_t d, bool u) {
    if (i >= 16) return false;
    out[i] = d;
    out_used[i++] = u;
    return true;
  };
  for (int j = ref.num_positive - 1; j >= 0; --j) {
    const int32_t d = ref.s1[j] + delta_rps;
    const int k = ref.num_negative + j;
    if (d < 0 && use_delta[k] && !add(s.s0, s.used0, d, used[k])) return false;
  }
  if (delta_rps < 0 && use_delta[n] && !add(s.s0, s.used0, delta_rps, used[n])) return false;
  for (int j = 0; j < ref.num_negative; ++j) {
    const int32_t d = ref.s0[j] + delta_rps;
    if (d < 0 && use_delta[j] && !add(s.s0, s.used0, d, used[j])) return false;
  }
  s.num_negative = i;
  i = 0;
  for (int j = ref.num_negative - 1; j >= 0; --j) {
    const int32_t d = ref.s0[j] + delta_rps;
    if (d > 0 && use_delta[j] && !add(s.s1, s.used1, d, used[j])) return false;
  }
  if (delta_rps > 0 && use_delta[n] && !add(s.s1, s.used1, delta_rps, used[n])) return false;
  for (int j = 0; j < ref.num_positive; ++j) {
    const int32_t d = ref.s1[j] + delta_rps;
    const int k = ref.num_negative + j;
    if (d > 0 && use_delta[k] && !add(s.s1, s.used1, d, used[k])) return false;
  }
  s.num_positive = i;
  return true;
}

}  // namespace

bool read_st_ref_pic_set(BitReader& r, uint32_t idx, uint32_t num_st_rps, HevcStRps* sets, uint32_t max_dec) {
  HevcStRps& s = sets[idx];
  s = HevcStRps{};
  if (idx != 0 && r.flag()) {  // inter_ref_pic_set_prediction_flag
    // delta_idx_minus1 is present only in a slice header's own set (idx == num_short_term_ref_pic_sets).
    const uint32_t delta_idx = idx == num_st_rps ? r.ue(idx - 1) + 1 : 1;
    const bool sign = r.flag();                                       // delta_rps_sign
    const int32_t abs_delta = static_cast<int32_t>(r.ue(32767)) + 1;  // abs_delta_rps_minus1 + 1
    const HevcStRps& ref = sets[idx - delta_idx];
    const int n = ref.num_delta_pocs();
    bool used[33] = {}, use_delta[33] = {};
    for (int j = 0; j <= n; ++j) {
      used[j] = r.flag();                        // used_by_curr_pic_flag[j]
      use_delta[j] = used[j] ? true : r.flag();  // use_delta_flag[j] (inferred 1 when absent)
    }
    return r.ok() && predict_rps(ref, sign ? -abs_delta : abs_delta, used, use_delta, s);
  }
  s.num_negative = static_cast<int>(r.ue(max_dec));                                          // num_negative_pics
  s.num_positive = static_cast<int>(r.ue(max_dec - static_cast<uint32_t>(s.num_negative)));  // num_positive_pics
  if (s.num_negative > 16 || s.num_positive > 16) return false;
  int32_t poc = 0;
  for (int i = 0; i < s.num_negative && r.ok(); ++i) {
    poc -= static_cast<int32_t>(r.ue(32767)) + 1;  // delta_poc_s0_minus1[i]
    s.s0[i] = poc;
    s.used0[i] = r.flag();                         // used_by_curr_pic_s0_flag[i]
  }
  poc = 0;
  for (int i = 0; i < s.num_positive && r.ok(); ++i) {
    poc += static_cast<int32_t>(r.ue(32767)) + 1;  // delta_poc_s1_minus1[i]
    s.s1[i] = poc;
    s.used1[i] = r.flag();                         // used_by_curr_pic_s1_flag[i]
  }
  return r.ok();
}

bool read_hevc_sps(BitReader& r, HevcSps& sps) {
  r.skip(4);  // sps_video_parameter_set_id
  const int max_sub_layers_minus1 = static_cast<int>(r.u(3));
  if (max_sub_layers_minus1 > 6) return false;
  r.skip(1);  // sps_temporal_id_nesting_flag
  skip_profile_tier_level(r, max_sub_layers_minus1);
  sps.sps_id = r.ue(15);  // sps_seq_parameter_set_id
  sps.chroma_format_idc = r.ue(3);
  if (sps.chroma_format_idc == 3) sps.separate_colour_plane = r.flag();  // separate_colour_plane_flag
  r.ue();     // pic_width_in_luma_samples
  r.ue();     // pic_height_in_luma_samples
  if (r.flag()) {  // conformance_window_flag: left, right, top, bottom offsets
    for (int i = 0; i < 4; ++i) r.ue();
  }
  r.ue(8);  // bit_depth_luma_minus8
  r.ue(8);  // bit_depth_chroma_minus8
  sps.poc_lsb_bits = static_cast<int>(r.ue(12)) + 4;  // log2_max_pic_order_cnt_lsb_minus4
  const bool all_sub_layers = r.flag();  // sps_sub_layer_ordering_info_present_flag
  for (int i = all_sub_layers ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; ++i) {
    sps.max_dec = r.ue(15);  // sps_max_dec_pic_buffering_minus1[i] (below MaxDpbSize, A.4.2: 16)
    r.ue(sps.max_dec);       // sps_max_num_reorder_pics[i]
    r.ue();                  // sps_max_latency_increase_plus1[i]
  }
  // log2_min_luma_coding_block_size_minus3, log2_diff_max_min_luma_coding_block_size,
  // log2_min_luma_transform_block_size_minus2, log2_diff_max_min_luma_transform_block_size,
  // max_transform_hierarchy_depth_inter, max_transform_hierarchy_depth_intra
  for (int i = 0; i < 6; ++i) r.ue();
  if (r.flag()) {                             // scaling_list_enabled_flag
    if (r.flag()) skip_scaling_list_data(r);  // sps_scaling_list_data_present_flag
  }
  r.skip(2);       // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (r.flag()) {  // pcm_enabled_flag
    r.skip(8);     // pcm_sample_bit_depth_luma_minus1(4), pcm_sample_bit_depth_chroma_minus1(4)
    r.ue();        // log2_min_pcm_luma_coding_block_size_minus3
    r.ue();        // log2_diff_max_min_pcm_luma_coding_block_size
    r.skip(1);     // pcm_loop_filter_disabled_flag
  }
  sps.num_st_rps = r.ue(64);  // num_short_term_ref_pic_sets
  for (uint32_t i = 0; i < sps.num_st_rps; ++i) {
    if (!read_st_ref_pic_set(r, i, sps.num_st_rps, sps.st_rps, sps.max_dec)) return false;
  }
  sps.long_term_present = r.flag();  // long_term_ref_pics_present_flag
  if (sps.long_term_present) {
    sps.num_lt_sps = r.ue(32);       // num_long_term_ref_pics_sps
    for (uint32_t i = 0; i < sps.num_lt_sps; ++i) {
      r.skip(static_cast<size_t>(sps.poc_lsb_bits) + 1);  // lt_ref_pic_poc_lsb_sps[i], used_by_curr_pic_lt_sps_flag[i]
    }
  }
  r.skip(2);  // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  return r.ok();
}

bool read_hevc_pps(BitReader& r, HevcPps& pps) {
  pps.pps_id = r.ue(63);  // pps_pic_parameter_set_id
  pps.sps_id = r.ue(15);  // pps_seq_parameter_set_id
  r.skip(1);              // dependent_slice_segments_enabled_flag
  pps.output_flag_present = r.flag();
  pps.num_extra_slice_header_bits = static_cast<int>(r.u(3));
  return r.ok();
}

std::vector<uint8_t> nal_rbsp(const uint8_t* nal, size_t size, size_t header, size_t limit) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(std::min(size, limit));
  int zeros = 0;
  for (size_t i = header; i < size && rbsp.size() < limit; ++i) {
    if (zeros >= 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? zeros + 1 : 0;
    rbsp.push_back(nal[i]);
  }
  return rbsp;
}

}  // namespace odvd::bitstream
