// colour_signal(): VP9 key frame headers and AV1 sequence headers parsed clause by clause up to their
// colour fields; H.264 / HEVC parameter sets are sps_colour.cpp's.
#include "demux/colour_signal.h"

#include "demux/av1_headers.h"
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
  const int bit_depth = profile >= 2 ? (r.flag() ? 12 : 10) : 8;  // ten_or_twelve_bit
  // color_space -> AVColorSpace as FFmpeg's vp9 decoder maps it: CS_UNKNOWN, CS_BT_601, CS_BT_709,
  // CS_SMPTE_170, CS_SMPTE_240, CS_BT_2020, CS_RESERVED, CS_RGB.
  static constexpr int kMatrix[8] = {2, 5, 1, 6, 7, 9, 3, 0};
  const uint32_t color_space = r.u(3);
  const bool four_four_four = profile == 1 || profile == 3;
  ColourSignal c;
  c.matrix = kMatrix[color_space & 7];
  c.bit_depth = bit_depth;
  c.chroma_format = 1;  // profiles 0 and 2: 4:2:0
  if (color_space != 7) {          // != CS_RGB
    c.range = r.flag() ? 2 : 1;    // color_range
    if (four_four_four) {
      const bool ss_x = r.flag(), ss_y = r.flag();  // subsampling_x, subsampling_y
      if ((ss_x && ss_y) || r.flag()) return {};    // 4:2:0 (FFmpeg refuses it here); reserved_zero
      c.chroma_format = ss_x ? 2 : 3;               // 4:2:2; 4:4:0 or 4:4:4
    }
  } else {
    c.range = 2;  // RGB is full range
    // RGB is 4:4:4, which profiles 0 and 2 cannot carry (FFmpeg refuses the frame); reserved_zero.
    if (!four_four_four || r.flag()) return {};
    c.chroma_format = 3;
  }
  return r.ok() ? c : ColourSignal{};
}

// ---- AV1 ------------------------------------------------------------------------------------

// AV1 5.5.1 sequence_header_obu() up to color_config() (av1_headers.cpp), then color_config() (5.5.2),
// semantics 6.4.
ColourSignal av1_sequence_header(const uint8_t* p, size_t n) {
  BitReader r(p, n);
  Av1SequenceHeader seq;
  if (!read_av1_sequence_header(r, seq)) return {};
  const uint32_t profile = seq.profile;
  // color_config() (5.5.2)
  const bool high_bitdepth = r.flag();
  const bool twelve_bit = profile == 2 && high_bitdepth && r.flag();
  const bool mono_chrome = profile == 1 ? false : r.flag();
  ColourSignal c;
  c.bit_depth = twelve_bit ? 12 : high_bitdepth ? 10 : 8;
  c.chroma_format = mono_chrome ? 0 : 3;  // sRGB and profile 1: 4:4:4; else set from the subsampling below
  if (r.flag()) {  // color_description_present_flag (else CP/TC/MC_UNSPECIFIED: reported as -1)
    c.primaries = static_cast<int>(r.u(8));
    c.transfer = static_cast<int>(r.u(8));
    c.matrix = static_cast<int>(r.u(8));
  }
  // sRGB (CP_BT_709, TC_SRGB, MC_IDENTITY) without mono_chrome implies full range; else color_range.
  const bool srgb = c.primaries == 1 && c.transfer == 13 && c.matrix == 0;
  c.range = (!mono_chrome && srgb) ? 2 : (r.flag() ? 2 : 1);
  if (!mono_chrome && !srgb) {
    // Subsampling: profile 0 is 4:2:0, profile 1 4:4:4; profile 2 4:2:2, or signalled at 12 bits.
    bool ss_x = profile == 0, ss_y = profile == 0;
    if (profile == 2) {
      ss_x = twelve_bit ? r.flag() : true;
      ss_y = twelve_bit && ss_x ? r.flag() : false;
    }
    c.chroma_format = ss_x && ss_y ? 1 : ss_x ? 2 : 3;
    if (ss_x && ss_y) {
      // chroma_sample_position: CSP_UNKNOWN, CSP_VERTICAL (left), CSP_COLOCATED (top-left), reserved.
      static constexpr int kLocation[4] = {-1, 1, 3, -1};
      c.chroma_location = kLocation[r.u(2)];
    }
  }
  return r.ok() ? c : ColourSignal{};
}

// AV1 5.3: OBUs in the low-overhead format; the first sequence header OBU is parsed.
ColourSignal av1_obus(const uint8_t* p, size_t n) {
  ColourSignal c;
  for_each_obu(p, n, [&](const Obu& obu) {
    if (obu.type != 1) return true;  // OBU_SEQUENCE_HEADER
    c = av1_sequence_header(obu.data, obu.size);
    return false;
  });
  return c;
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
  if (signal.chroma_location >= 1 && signal.chroma_location <= 6) params.chroma_location = signal.chroma_location;
}

void apply_signalled_colour(StreamParams& params, const uint8_t* first_packet, size_t size) {
  apply_signalled_colour(params, bitstream::colour_signal(params.codec, first_packet, size));
}

}  // namespace odvd
