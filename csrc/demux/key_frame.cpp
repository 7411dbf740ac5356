// key_frame(): the few header fields that say whether a picture starts a decode on its own, read
// clause by clause from each codec's specification.
#include "demux/key_frame.h"

#include "demux/bit_reader.h"
#include "demux/bitstream.h"

namespace odvd::bitstream {
namespace {

// Calls fn(NAL unit after its start code, bytes left) for each Annex-B NAL unit until fn returns false.
template <typename Fn>
void for_each_nal(const uint8_t* data, size_t size, Fn fn) {
  for (size_t i = 0; i + 3 <= size;) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      i += 3;
      if (i < size && !fn(data + i, size - i)) return;
    } else {
      ++i;
    }
  }
}

// H.264 7.3.3 slice_header(): first_mb_in_slice ue(v), slice_type ue(v), read from the RBSP (the NAL
// unit after its 1-byte header with emulation_prevention_three_byte removed, 7.3.1).
KeyFrame h264_slice(const uint8_t* nal, size_t left) {
  uint8_t rbsp[16];
  size_t n = 0, zeros = 0;
  for (size_t i = 1; i < left && n < sizeof(rbsp); ++i) {
    if (zeros >= 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? zeros + 1 : 0;
    rbsp[n++] = nal[i];
  }
  BitReader r(rbsp, n);
  r.ue();                                  // first_mb_in_slice
  const uint32_t slice_type = r.ue(9);     // 0..9; 2, 7: I; 4, 9: SI (7.4.3, table 7-6)
  if (!r.ok()) return KeyFrame::kUnknown;
  return slice_type % 5 == 2 || slice_type % 5 == 4 ? KeyFrame::kYes : KeyFrame::kNo;
}

KeyFrame h264(const uint8_t* data, size_t size) {
  KeyFrame verdict = KeyFrame::kUnknown;
  for_each_nal(data, size, [&](const uint8_t* nal, size_t left) {
    const int type = nal[0] & 0x1f;
    if (type == 5) verdict = KeyFrame::kYes;             // IDR slice
    else if (type == 1 || type == 2) verdict = h264_slice(nal, left);  // non-IDR slice, partition A
    else if (type == 3 || type == 4) verdict = KeyFrame::kUnknown;     // partitions B, C: no slice_type
    else return true;                                    // not a slice: SPS, PPS, SEI, AUD, ...
    return false;                                        // the first slice decides
  });
  return verdict;
}

KeyFrame hevc(const uint8_t* data, size_t size) {
  KeyFrame verdict = KeyFrame::kUnknown;
  for_each_nal(data, size, [&](const uint8_t* nal, size_t) {
    const int type = (nal[0] >> 1) & 0x3f;
    if (type > 31) return true;  // not a VCL NAL unit
    // H.265 7.4.2.2: 16..23 are IRAP pictures (BLA_W_LP .. RSV_IRAP_VCL23).
    verdict = type >= 16 && type <= 23 ? KeyFrame::kYes : KeyFrame::kNo;
    return false;
  });
  return verdict;
}

// VP9 bitstream 6.2 uncompressed_header() up to frame_type, of the packet's first frame.
KeyFrame vp9(const uint8_t* data, size_t size) {
  BitReader r(data, vp9_first_frame_size(data, size));
  if (r.u(2) != 2) return KeyFrame::kUnknown;  // frame_marker
  const uint32_t low = r.u(1), high = r.u(1);  // profile_low_bit, profile_high_bit
  if (((high << 1) | low) == 3 && r.flag()) return KeyFrame::kUnknown;  // reserved_zero
  if (r.flag()) return KeyFrame::kNo;          // show_existing_frame: shows a frame decoded before
  const uint32_t frame_type = r.u(1);          // KEY_FRAME = 0
  if (!r.ok()) return KeyFrame::kUnknown;
  return frame_type == 0 ? KeyFrame::kYes : KeyFrame::kNo;
}

// AV1 5.3 OBUs (low-overhead format): the first frame header (OBU_FRAME_HEADER 3, OBU_FRAME 6) decides,
// 5.9.2 uncompressed_header(): show_existing_frame f(1), frame_type f(2) (KEY_FRAME = 0); a sequence
// header with reduced_still_picture_header (5.5.1) makes every frame a key frame.
KeyFrame av1(const uint8_t* p, size_t n) {
  bool reduced = false;
  size_t i = 0;
  while (i < n) {
    const uint8_t header = p[i++];
    if (header & 0x80) return KeyFrame::kUnknown;  // obu_forbidden_bit
    const int type = (header >> 3) & 0x0f;
    if (header & 0x04) ++i;                        // obu_extension_header()
    uint64_t obu_size = i <= n ? n - i : 0;
    if (header & 0x02) {                           // obu_has_size_field: leb128(), at most 8 bytes
      obu_size = 0;
      for (int b = 0;; ++b) {
        if (b == 8 || i >= n) return KeyFrame::kUnknown;
        const uint8_t byte = p[i++];
        obu_size |= uint64_t{byte & 0x7fu} << (7 * b);
        if (!(byte & 0x80)) break;
      }
    }
    if (i > n || obu_size > n - i) return KeyFrame::kUnknown;
    BitReader r(p + i, static_cast<size_t>(obu_size));
    if (type == 1) {  // OBU_SEQUENCE_HEADER: seq_profile(3), still_picture(1), reduced_still_picture_header(1)
      r.skip(4);
      reduced = r.flag();
      if (!r.ok()) return KeyFrame::kUnknown;
    } else if (type == 3 || type == 6) {
      if (reduced) return KeyFrame::kYes;
      if (r.flag()) return KeyFrame::kNo;  // show_existing_frame
      const uint32_t frame_type = r.u(2);
      if (!r.ok()) return KeyFrame::kUnknown;
      return frame_type == 0 ? KeyFrame::kYes : KeyFrame::kNo;
    }
    i += static_cast<size_t>(obu_size);
  }
  return KeyFrame::kUnknown;
}

}  // namespace

KeyFrame key_frame(Codec codec, const uint8_t* data, size_t size) {
  if (data == nullptr || size == 0) return KeyFrame::kUnknown;
  switch (codec) {
    case Codec::kH264: return h264(data, size);
    case Codec::kHEVC: return hevc(data, size);
    case Codec::kVP9: return vp9(data, size);
    case Codec::kAV1: return av1(data, size);
  }
  return KeyFrame::kUnknown;
}

}  // namespace odvd::bitstream
