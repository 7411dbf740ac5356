// AV1 5.5.1 sequence_header_obu() up to color_config(), semantics 6.4.
#include "demux/av1_headers.h"

namespace odvd::bitstream {

bool read_av1_sequence_header(BitReader& r, Av1SequenceHeader& seq) {
  seq.profile = r.u(3);  // seq_profile
  const bool still_picture = r.flag();
  seq.reduced_still_picture_header = r.flag();
  if (seq.profile > 2 || (seq.reduced_still_picture_header && !still_picture)) return false;  // 6.4.1
  if (seq.reduced_still_picture_header) {
    r.skip(5);  // seq_level_idx[0]
  } else {
    uint32_t buffer_delay_bits = 0;
    if (r.flag()) {  // timing_info_present_flag: timing_info() (5.5.3)
      r.skip(64);    // num_units_in_display_tick(32), time_scale(32)
      seq.equal_picture_interval = r.flag();
      if (seq.equal_picture_interval) r.uvlc();  // num_ticks_per_picture_minus_1
      seq.decoder_model_info_present = r.flag();
      if (seq.decoder_model_info_present) {      // decoder_model_info() (5.5.4)
        buffer_delay_bits = r.u(5) + 1;           // buffer_delay_length_minus_1
        r.skip(32);                               // num_units_in_decoding_tick
        seq.buffer_removal_time_length = static_cast<int>(r.u(5)) + 1;
        seq.frame_presentation_time_length = static_cast<int>(r.u(5)) + 1;
      }
    }
    const bool initial_display_delay = r.flag();  // initial_display_delay_present_flag
    seq.operating_points = r.u(5) + 1;             // operating_points_cnt_minus_1
    for (uint32_t i = 0; i < seq.operating_points && r.ok(); ++i) {
      seq.operating_point_idc[i] = r.u(12);
      if (r.u(5) > 7) r.skip(1);  // seq_level_idx[i]; seq_tier[i]
      if (seq.decoder_model_info_present) {
        seq.decoder_model_present_for_op[i] = r.flag();
        // operating_parameters_info() (5.5.5): decoder_buffer_delay, encoder_buffer_delay, low_delay_mode_flag
        if (seq.decoder_model_present_for_op[i]) r.skip(2 * buffer_delay_bits + 1);
      }
      // initial_display_delay_present_for_this_op[i]: initial_display_delay_minus_1[i](4)
      if (initial_display_delay && r.flag()) r.skip(4);
    }
  }
  const uint32_t width_bits = r.u(4) + 1, height_bits = r.u(4) + 1;  // frame_{width,height}_bits_minus_1
  r.skip(width_bits + height_bits);  // max_frame_width_minus_1, max_frame_height_minus_1
  if (!seq.reduced_still_picture_header) seq.frame_id_numbers_present = r.flag();
  if (seq.frame_id_numbers_present) {
    seq.delta_frame_id_length = static_cast<int>(r.u(4)) + 2;
    seq.additional_frame_id_length = static_cast<int>(r.u(3)) + 1;
  }
  r.skip(3);  // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!seq.reduced_still_picture_header) {
    r.skip(4);  // enable_interintra_compound, enable_masked_compound, enable_warped_motion, enable_dual_filter
    seq.enable_order_hint = r.flag();
    if (seq.enable_order_hint) r.skip(2);  // enable_jnt_comp, enable_ref_frame_mvs
    seq.force_screen_content_tools = 2;
    if (!r.flag()) seq.force_screen_content_tools = r.u(1);  // seq_choose_screen_content_tools
    seq.force_integer_mv = 2;
    if (seq.force_screen_content_tools > 0 && !r.flag()) seq.force_integer_mv = r.u(1);  // seq_choose_integer_mv
    if (seq.enable_order_hint) seq.order_hint_bits = static_cast<int>(r.u(3)) + 1;
  } else {
    seq.force_screen_content_tools = 2;
    seq.force_integer_mv = 2;
  }
  r.skip(3);  // enable_superres, enable_cdef, enable_restoration
  return r.ok();
}

}  // namespace odvd::bitstream
