// colour_signal(): VP9 key frame headers and AV1 sequence headers parsed clause by clause up to their
// colour fields; H.264 / HEVC parameter sets are sps_colour.cpp's.
#include "demux/colour_signal.h"

#include "demux/bit_reader.h"
#include "demux/bitstream.h"
#include "demux/sps_colour.h"

namespace odvd::bitstream {
namespace {

// ---- VP9 ------------------------------------------------------------------------------------

// VP9 bitstream spec 6.2 uncompressed_header() up to color_config() (6.2.2, semantics 7.2).
ColourSignal vp9_frame(const uint8_t* p, size_t n) {
  BitReader r(p, vp9_first_frame_size(p, n));
  if (r.u(2) != 2) return {};  // frame_marker
  const uint32_t low = r.u(1), high = r.u(1);  // profile_low_bit, profile_high_bit
  const uint32_t profile = (high << 1) | low;
  if (profile == 3 && r.flag()) return {};  // reserved_zero
  if (r.flag()) return {};                  // show_existing_frame: no header follows
  const bool key_frame = r.u(1) == 0;       // frame_type (KEY_FRAME = 0)
  r.skip(2);                                // show_frame, error_resilient_mode
  if (!key_frame || !r.ok()) return {};
  if (r.u(8) != 0x49 || r.u(8) != 0x83 || r.u(8) != 0x42) return {};  // frame_sync_code
  if (profile >= 2) r.skip(1);  // ten_or_twelve_bit
  // color_space -> AVColorSpace as FFmpeg's vp9 decoder maps it: CS_UNKNOWN, CS_BT_601, CS_BT_709,
  // CS_SMPTE_170, CS_SMPTE_240, CS_BT_2020, CS_RESERVED, CS_RGB.
  static constexpr int kMatrix[8] = {2, 5, 1, 6, 7, 9, 3, 0};
  const uint32_t color_space = r.u(3);
  const bool four_four_four = profile == 1 || profile == 3;
  ColourSignal c;
  c.matrix = kMatrix[color_space & 7];
  if (color_space != 7) {          // != CS_RGB
    c.range = r.flag() ? 2 : 1;    // color_range
    if (four_four_four) {
      const bool ss_x = r.flag(), ss_y = r.flag();  // subsampling_x, subsampling_y
      if ((ss_x && ss_y) || r.flag()) return {};    // 4:2:0 (FFmpeg refuses it here); reserved_zero
    }
  } else {
    c.range = 2;  // RGB is full range
    // RGB is 4:4:4, which profiles 0 and 2 cannot carry (FFmpeg refuses the frame); reserved_zero.
    if (!four_four_four || r.flag()) return {};
  }
  return r.ok() ? c : ColourSignal{};
}

// ---- AV1 ------------------------------------------------------------------------------------

// AV1 5.5.1 sequence_header_obu() up to color_config() (5.5.2), semantics 6.4.
ColourSignal av1_sequence_header(const uint8_t* p, size_t n) {
  BitReader r(p, n);
  const uint32_t profile = r.u(3);  // seq_profile
  const bool still_picture = r.flag();
  const bool reduced = r.flag();    // reduced_still_picture_header
  if (profile > 2 || (reduced && !still_picture)) return {};  // 6.4.1
  if (reduced) {
    r.skip(5);  // seq_level_idx[0]
  } else {
    bool decoder_model_info = false;
    uint32_t buffer_delay_bits = 0;
    if (r.flag()) {    // timing_info_present_flag: timing_info() (5.5.3)
      r.skip(64);      // num_units_in_display_tick(32), time_scale(32)
      if (r.flag()) r.uvlc();  // equal_picture_interval: num_ticks_per_picture_minus_1
      decoder_model_info = r.flag();  // decoder_model_info_present_flag
      if (decoder_model_info) {       // decoder_model_info() (5.5.4)
        buffer_delay_bits = r.u(5) + 1;  // buffer_delay_length_minus_1
        r.skip(32 + 5 + 5);  // num_units_in_decoding_tick, buffer_removal_time_length_minus_1,
                             // frame_presentation_time_length_minus_1
      }
    }
    const bool initial_display_delay = r.flag();  // initial_display_delay_present_flag
    const uint32_t points = r.u(5) + 1;            // operating_points_cnt_minus_1
    for (uint32_t i = 0; i < points && r.ok(); ++i) {
      r.skip(12);                    // operating_point_idc[i]
      if (r.u(5) > 7) r.skip(1);     // seq_level_idx[i]; seq_tier[i]
      // decoder_model_present_for_this_op[i]: operating_parameters_info() (5.5.5):
      // decoder_buffer_delay, encoder_buffer_delay (buffer_delay_length_minus_1 + 1 bits each), low_delay_mode_flag
      if (decoder_model_info && r.flag()) r.skip(2 * buffer_delay_bits + 1);
      // initial_display_delay_present_for_this_op[i]: initial_display_delay_minus_1[i](4)
      if (initial_display_delay && r.flag()) r.skip(4);
    }
  }
  const uint32_t width_bits = r.u(4) + 1, height_bits = r.u(4) + 1;  // frame_{width,height}_bits_minus_1
  r.skip(width_bits + height_bits);  // max_frame_width_minus_1, max_frame_height_minus_1
  if (!reduced && r.flag()) r.skip(4 + 3);  // frame_id_numbers_present_flag: delta_frame_id_length_minus_2,
                                            // additional_frame_id_length_minus_1
  r.skip(3);  // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced) {
    r.skip(4);  // enable_interintra_compound, enable_masked_compound, enable_warped_motion, enable_dual_filter
    const bool order_hint = r.flag();  // enable_order_hint
    if (order_hint) r.skip(2);         // enable_jnt_comp, enable_ref_frame_mvs
    uint32_t force_screen_content_tools = 2;  // SELECT_SCREEN_CONTENT_TOOLS
    if (!r.flag()) force_screen_content_tools = r.u(1);  // seq_choose_screen_content_tools; seq_force_screen_content_tools
    // seq_choose_integer_mv; when 0, seq_force_integer_mv
    if (force_screen_content_tools > 0 && !r.flag()) r.skip(1);
    if (order_hint) r.skip(3);  // order_hint_bits_minus_1
  }
  r.skip(3);  // enable_superres, enable_cdef, enable_restoration
  // color_config() (5.5.2)
  const bool high_bitdepth = r.flag();
  if (profile == 2 && high_bitdepth) r.skip(1);  // twelve_bit
  const bool mono_chrome = profile == 1 ? false : r.flag();
  ColourSignal c;
  if (r.flag()) {  // color_description_present_flag (else CP/TC/MC_UNSPECIFIED: reported as -1)
    c.primaries = static_cast<int>(r.u(8));
    c.transfer = static_cast<int>(r.u(8));
    c.matrix = static_cast<int>(r.u(8));
  }
  // sRGB (CP_BT_709, TC_SRGB, MC_IDENTITY) without mono_chrome implies full range; else color_range.
  const bool srgb = c.primaries == 1 && c.transfer == 13 && c.matrix == 0;
  c.range = (!mono_chrome && srgb) ? 2 : (r.flag() ? 2 : 1);
  return r.ok() ? c : ColourSignal{};
}

// AV1 5.3: OBUs in the low-overhead format; the first sequence header OBU is parsed. An OBU
// without obu_has_size_field runs to the end of the data.
ColourSignal av1_obus(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t header = p[i++];
    if (header & 0x80) return {};  // obu_forbidden_bit
    const int type = (header >> 3) & 0x0f;
    if (header & 0x04) {           // obu_extension_flag: obu_extension_header() (1 byte)
      if (i >= n) return {};
      ++i;
    }
    uint64_t size = n - i;
    if (header & 0x02) {  // obu_has_size_field: obu_size as leb128() (4.10.5), at most 8 bytes
      size = 0;
      for (int b = 0;; ++b) {
        if (b == 8 || i >= n) return {};
        const uint8_t byte = p[i++];
        size |= uint64_t{byte & 0x7fu} << (7 * b);
        if (!(byte & 0x80)) break;
      }
      if (size > n - i) return {};
    }
    if (type == 1) return av1_sequence_header(p + i, static_cast<size_t>(size));  // OBU_SEQUENCE_HEADER
    i += static_cast<size_t>(size);
  }
  return {};
}

}  // namespace

ColourSignal colour_signal(Codec codec, const uint8_t* data, size_t size) {
  if (data == nullptr || size == 0) return {};
  switch (codec) {
    case Codec::kH264:
      return sps_colour(false, data, size);
    case Codec::kHEVC:
      return sps_colour(true, data, size);
    case Codec::kVP9:
      return vp9_frame(data, size);
    case Codec::kAV1:
      // av1C (AV1 Codec ISO Media File Format Binding 2.3.3) starts with marker(1) version(7) = 0x81,
      // which no OBU header can (its first bit is obu_forbidden_bit); configOBUs follow 4 bytes in.
      if (data[0] == 0x81) return size > 4 ? av1_obus(data + 4, size - 4) : ColourSignal{};
      return av1_obus(data, size);
  }
  return {};
}

}  // namespace odvd::bitstream

namespace odvd {

void apply_signalled_colour(StreamParams& params, const bitstream::ColourSignal& signal) {
  constexpr int kUnspecified = 2;  // H.273 code 2 for matrix, primaries and transfer
  const auto take = [](int32_t& field, int code) {
    if (code >= 0 && code != kUnspecified) field = code;
  };
  take(params.color_space, signal.matrix);
  take(params.color_primaries, signal.primaries);
  take(params.color_trc, signal.transfer);
  if (signal.range == 1 || signal.range == 2) params.color_range = signal.range;
}

void apply_signalled_colour(StreamParams& params, const uint8_t* first_packet, size_t size) {
  apply_signalled_colour(params, bitstream::colour_signal(params.codec, first_packet, size));
}

}  // namespace odvd
