// AV1 OBUs and the sequence header fields that frame headers depend on (AV1 5.3, 5.5), shared by the
// colour reader (colour_signal.cpp: color_config follows) and the reference reader
// (av1_references.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "demux/bit_reader.h"

namespace odvd::bitstream {

struct Av1SequenceHeader {
  uint32_t profile = 0;
  bool reduced_still_picture_header = false;
  bool decoder_model_info_present = false;
  bool equal_picture_interval = false;
  int buffer_removal_time_length = 0;       // buffer_removal_time_length_minus_1 + 1
  int frame_presentation_time_length = 0;   // frame_presentation_time_length_minus_1 + 1
  uint32_t operating_points = 1;            // operating_points_cnt_minus_1 + 1
  uint32_t operating_point_idc[32] = {};
  bool decoder_model_present_for_op[32] = {};
  bool frame_id_numbers_present = false;
  int delta_frame_id_length = 0;            // delta_frame_id_length_minus_2 + 2
  int additional_frame_id_length = 0;       // additional_frame_id_length_minus_1 + 1
  bool enable_order_hint = false;
  int order_hint_bits = 0;
  uint32_t force_screen_content_tools = 2;  // 2: SELECT_SCREEN_CONTENT_TOOLS
  uint32_t force_integer_mv = 2;            // 2: SELECT_INTEGER_MV
};

// 5.5.1 sequence_header_obu() up to enable_superres, enable_cdef and enable_restoration: `r` is left
// at color_config(). False when malformed.
bool read_av1_sequence_header(BitReader& r, Av1SequenceHeader& seq);

struct Obu {
  int type = 0;
  int temporal_id = 0;
  int spatial_id = 0;
  const uint8_t* data = nullptr;  // the payload
  size_t size = 0;
};

// Calls fn(obu) for each OBU of a temporal unit in the low-overhead format (5.3) until fn returns
// false; an OBU without obu_has_size_field runs to the end of the data. False when the data is
// malformed (a forbidden bit, a size past the end).
template <typename Fn>
bool for_each_obu(const uint8_t* p, size_t n, Fn fn) {
  size_t i = 0;
  while (i < n) {
    const uint8_t header = p[i++];
    if (header & 0x80) return false;  // obu_forbidden_bit
    Obu obu;
    obu.type = (header >> 3) & 0x0f;
    if (header & 0x04) {  // obu_extension_flag: obu_extension_header() (1 byte)
      if (i >= n) return false;
      obu.temporal_id = p[i] >> 5;
      obu.spatial_id = (p[i] >> 3) & 3;
      ++i;
    }
    uint64_t size = n - i;
    if (header & 0x02) {  // obu_has_size_field: obu_size as leb128() (4.10.5), at most 8 bytes
      size = 0;
      for (int b = 0;; ++b) {
        if (b == 8 || i >= n) return false;
        const uint8_t byte = p[i++];
        size |= uint64_t{byte & 0x7fu} << (7 * b);
        if (!(byte & 0x80)) break;
      }
      if (size > n - i) return false;
    }
    obu.data = p + i;
    obu.size = static_cast<size_t>(size);
    if (!fn(obu)) return true;
    i += obu.size;
  }
  return true;
}

}  // namespace odvd::bitstream
