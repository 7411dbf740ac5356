#include "demux/bitstream.h"

#include <algorithm>

namespace odvd::bitstream {
namespace {

// Calls fn(header pointer, bytes left) for each Annex-B NAL unit until fn returns false.
template <typename Fn>
void for_each_nal(const uint8_t* data, size_t size, Fn fn) {
  size_t i = 0;
  while (i + 3 <= size) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      const size_t start = i + 3;
      if (start < size && !fn(data + start, size - start)) return;
      i = start;
    } else {
      ++i;
    }
  }
}

bool is_h264_vcl(int type) { return type >= 1 && type <= 5; }
bool is_hevc_vcl(int type) { return type <= 31; }

}  // namespace

bool annexb_has_sps(AVCodecID codec, const uint8_t* data, size_t size) {
  bool found = false;
  for_each_nal(data, size, [&](const uint8_t* h, size_t) {
    const int type = codec == AV_CODEC_ID_H264 ? (h[0] & 0x1f) : ((h[0] >> 1) & 0x3f);
    if ((codec == AV_CODEC_ID_H264 && type == 7) || (codec == AV_CODEC_ID_HEVC && type == 33)) found = true;
    const bool vcl = codec == AV_CODEC_ID_H264 ? is_h264_vcl(type) : is_hevc_vcl(type);
    return !found && !vcl;  // parameter sets precede the first slice
  });
  return found;
}

bool annexb_is_nonref(AVCodecID codec, const uint8_t* data, size_t size, bool hevc_single_sublayer) {
  int verdict = -1;
  for_each_nal(data, size, [&](const uint8_t* h, size_t left) {
    if (codec == AV_CODEC_ID_H264) {
      const int type = h[0] & 0x1f;
      if (!is_h264_vcl(type)) return true;
      verdict = ((h[0] >> 5) & 3) == 0 ? 1 : 0;
      return false;
    }
    if (left < 2) return false;
    const int type = (h[0] >> 1) & 0x3f;
    if (!is_hevc_vcl(type)) return true;
    // H.265 7.4.2.2: even types up to 14 are sub-layer non-reference pictures.
    verdict = (hevc_single_sublayer && type <= 14 && type % 2 == 0) ? 1 : 0;
    return false;
  });
  return verdict == 1;
}

bool av1_has_sequence_header(const uint8_t* data, size_t size) {
  size_t i = 0;
  while (i < size) {
    const uint8_t header = data[i];
    const int type = (header >> 3) & 0x0f;
    const bool has_extension = header & 0x04;
    const bool has_size = header & 0x02;
    if (type == 1) return true;  // OBU_SEQUENCE_HEADER
    if (!has_size) return false;
    size_t j = i + 1 + (has_extension ? 1 : 0);
    uint64_t obu_size = 0;
    for (int b = 0; b < 8; ++b, ++j) {  // leb128
      if (j >= size) return false;
      obu_size |= static_cast<uint64_t>(data[j] & 0x7f) << (7 * b);
      if (!(data[j] & 0x80)) {
        ++j;
        break;
      }
    }
    if (obu_size > size - std::min(j, size)) return false;
    i = j + obu_size;
  }
  return false;
}

size_t vp9_first_frame_size(const uint8_t* p, size_t n) {
  // VP9 Annex B: a superframe ends with an index whose marker byte (0b110mmfff) is also its first
  // byte; the first frame starts at byte 0 and is as long as the first entry says.
  if (n == 0 || (p[n - 1] & 0xe0) != 0xc0) return n;
  const uint8_t marker = p[n - 1];
  const size_t frames = (marker & 7) + 1, mag = ((marker >> 3) & 3) + 1;
  const size_t index = 2 + mag * frames;
  if (n < index || p[n - index] != marker) return n;
  size_t first = 0;
  for (size_t b = 0; b < mag; ++b) first |= size_t{p[n - index + 1 + b]} << (8 * b);
  return first > 0 && first <= n - index ? first : n;
}

bool is_config_record(const std::vector<uint8_t>& extradata) {
  return !extradata.empty() && extradata[0] == 1;
}

int hvcc_temporal_layers(const std::vector<uint8_t>& e) {
  if (e.size() < 23 || e[0] != 1) return 0;
  return (e[21] >> 3) & 0x07;  // constantFrameRate(2) numTemporalLayers(3) temporalIdNested(1) ...
}

std::vector<uint8_t> av1c_config_obus(const std::vector<uint8_t>& e) {
  if (e.size() <= 4 || (e[0] & 0x7f) != 1) return {};  // marker(1) version(7) == 1
  return std::vector<uint8_t>(e.begin() + 4, e.end());
}

SampleFormat format_from_extradata(AVCodecID codec, const std::vector<uint8_t>& e) {
  SampleFormat f;
  f.chroma_format = -1;
  switch (codec) {
    case AV_CODEC_ID_HEVC:
      // hvcC (ISO/IEC 14496-15 8.3.3.1): byte 16 chroma_format_idc, byte 17 bit_depth_luma_minus8.
      if (e.size() >= 23 && e[0] == 1) {
        f.chroma_format = e[16] & 0x03;
        f.bit_depth = (e[17] & 0x07) + 8;
      }
      break;
    case AV_CODEC_ID_H264:
      // avcC: profiles without the high-profile extension are 8-bit 4:2:0; the extension (after
      // the SPS and PPS lists) carries chroma_format and bit depth.
      if (e.size() >= 7 && e[0] == 1) {
        const int profile = e[1];
        const bool high = profile == 100 || profile == 110 || profile == 122 || profile == 244 ||
                          profile == 44 || profile == 83 || profile == 86 || profile == 118 ||
                          profile == 128 || profile == 138 || profile == 139 || profile == 134;
        if (!high) {
          f.bit_depth = 8;
          f.chroma_format = 1;
          break;
        }
        size_t p = 5;
        int n = e[p++] & 0x1f;
        for (int k = 0; k < n && p + 2 <= e.size(); ++k) p += 2 + ((e[p] << 8) | e[p + 1]);
        if (p >= e.size()) break;
        n = e[p++];
        for (int k = 0; k < n && p + 2 <= e.size(); ++k) p += 2 + ((e[p] << 8) | e[p + 1]);
        if (p + 3 <= e.size()) {
          f.chroma_format = e[p] & 0x03;
          f.bit_depth = (e[p + 1] & 0x07) + 8;
        }
      }
      break;
    case AV_CODEC_ID_AV1:
      // av1C byte 2: seq_tier_0(1) high_bitdepth(1) twelve_bit(1) monochrome(1) ss_x(1) ss_y(1) ...
      if (e.size() >= 4 && (e[0] & 0x7f) == 1) {
        const bool high = e[2] & 0x40, twelve = e[2] & 0x20, mono = e[2] & 0x10;
        const bool ssx = e[2] & 0x08, ssy = e[2] & 0x04;
        f.bit_depth = high ? (twelve ? 12 : 10) : 8;
        f.chroma_format = mono ? 0 : (ssx && ssy) ? 1 : ssx ? 2 : 3;
      }
      break;
    case AV_CODEC_ID_VP9:
      // vpcC (VP Codec ISO Media File Format Binding, version 1): after version/flags, profile,
      // level, then bitDepth(4) chromaSubsampling(3) fullRange(1).
      if (e.size() >= 8 && e[0] == 1) {
        f.bit_depth = e[6] >> 4;
        const int cs = (e[6] >> 1) & 0x07;
        f.chroma_format = cs <= 1 ? 1 : cs == 2 ? 2 : 3;
      }
      break;
    default:
      break;
  }
  return f;
}

}  // namespace odvd::bitstream
