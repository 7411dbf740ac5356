// AV1 reference lists of a packet span (demux/references.h): every frame header's reference slots
// (ref_frame_idx, the frame shown by show_existing_frame) resolved to the packet that last refreshed
// each slot (refresh_frame_flags), AV1 5.9.2 read up to ref_frame_idx. Everything a frame takes from
// earlier frames comes through those slots (7.20, 7.21: CDFs, segmentation, loop filter deltas, film
// grain and motion fields are loaded from reference frames), so a decoder given a closure holds, in
// every slot a decoded frame names, the very frame it would hold after a complete decode.
#include <algorithm>

#include "demux/av1_headers.h"
#include "demux/references.h"

namespace odvd {
namespace {

using bitstream::Av1SequenceHeader;
using bitstream::BitReader;
using bitstream::Obu;

constexpr int kKeyFrame = 0, kIntraOnlyFrame = 2, kSwitchFrame = 3;
constexpr uint32_t kAllFrames = 0xff;

struct FrameHeader {
  bool ok = false;
  bool show_existing = false;
  int shown_slot = -1;         // show_existing_frame: frame_to_show_map_idx
  int frame_type = kKeyFrame;
  uint32_t refresh = 0;        // refresh_frame_flags
  bool all_slots_read = false; // frame_refs_short_signaling: the refs are derived from every slot
  int ref_slots[7] = {-1, -1, -1, -1, -1, -1, -1};
};

// 5.9.2 uncompressed_header() up to ref_frame_idx[]. `slot_types` (RefFrameType) tells the type of a
// frame shown with show_existing_frame.
FrameHeader read_frame_header(BitReader& r, const Av1SequenceHeader& seq, const Obu& obu, const int* slot_types) {
  FrameHeader f;
  const int id_len = seq.frame_id_numbers_present ? seq.additional_frame_id_length + seq.delta_frame_id_length : 0;
  bool show_frame = true, error_resilient = true;
  if (!seq.reduced_still_picture_header) {
    f.show_existing = r.flag();
    if (f.show_existing) {
      f.shown_slot = static_cast<int>(r.u(3));  // frame_to_show_map_idx
      f.frame_type = slot_types[f.shown_slot];
      // A key frame shown this way refreshes every slot (7.21); nothing after this field matters here.
      f.refresh = f.frame_type == kKeyFrame ? kAllFrames : 0;
      f.ok = r.ok();
      return f;
    }
    f.frame_type = static_cast<int>(r.u(2));
    show_frame = r.flag();
    if (show_frame && seq.decoder_model_info_present && !seq.equal_picture_interval) {
      r.skip(static_cast<size_t>(seq.frame_presentation_time_length));  // temporal_point_info()
    }
    if (!show_frame) r.skip(1);  // showable_frame
    error_resilient = (f.frame_type == kSwitchFrame || (f.frame_type == kKeyFrame && show_frame)) ? true : r.flag();
  }
  const bool intra = f.frame_type == kIntraOnlyFrame || f.frame_type == kKeyFrame;
  r.skip(1);  // disable_cdf_update
  bool screen_content = seq.force_screen_content_tools == 1;
  if (seq.force_screen_content_tools == 2) screen_content = r.flag();  // allow_screen_content_tools
  if (screen_content && seq.force_integer_mv == 2) r.skip(1);          // force_integer_mv
  if (seq.frame_id_numbers_present) r.skip(static_cast<size_t>(id_len));  // current_frame_id
  if (f.frame_type != kSwitchFrame && !seq.reduced_still_picture_header) r.skip(1);  // frame_size_override_flag
  r.skip(static_cast<size_t>(seq.order_hint_bits));  // order_hint
  if (!intra && !error_resilient) r.skip(3);          // primary_ref_frame
  if (seq.decoder_model_info_present && r.flag()) {   // buffer_removal_time_present_flag
    for (uint32_t op = 0; op < seq.operating_points; ++op) {
      if (!seq.decoder_model_present_for_op[op]) continue;
      const uint32_t idc = seq.operating_point_idc[op];
      const bool in_temporal = (idc >> obu.temporal_id) & 1, in_spatial = (idc >> (obu.spatial_id + 8)) & 1;
      if (idc == 0 || (in_temporal && in_spatial)) r.skip(static_cast<size_t>(seq.buffer_removal_time_length));
    }
  }
  f.refresh = (f.frame_type == kSwitchFrame || (f.frame_type == kKeyFrame && show_frame)) ? kAllFrames : r.u(8);
  if ((!intra || f.refresh != kAllFrames) && error_resilient && seq.enable_order_hint) {
    r.skip(8 * static_cast<size_t>(seq.order_hint_bits));  // ref_order_hint[i]
  }
  if (!intra) {
    if (seq.enable_order_hint && r.flag()) {  // frame_refs_short_signaling
      r.skip(6);                              // last_frame_idx, gold_frame_idx
      f.all_slots_read = true;
    }
    for (int i = 0; i < 7; ++i) {
      if (!f.all_slots_read) f.ref_slots[i] = static_cast<int>(r.u(3));  // ref_frame_idx[i]
      if (seq.frame_id_numbers_present) r.skip(static_cast<size_t>(seq.delta_frame_id_length));  // delta_frame_id_minus_1
    }
  }
  f.ok = r.ok();
  return f;
}

}  // namespace

ReferenceLists av1_reference_lists(const std::vector<PacketBytes>& packets) {
  Av1SequenceHeader seq;
  bool have_seq = false;
  int writer[8] = {-1, -1, -1, -1, -1, -1, -1, -1};  // packet that last refreshed each slot
  int slot_types[8] = {};
  ReferenceLists lists;
  bool broken = false;  // after a packet that could not be read, slots are not known either
  for (size_t i = 0; i < packets.size(); ++i) {
    std::vector<uint32_t> refs;
    bool known = !broken;
    auto need = [&](int slot) {
      if (slot < 0 || slot > 7 || writer[slot] < 0) {
        known = false;  // a slot refreshed before the span
        return;
      }
      if (writer[slot] != static_cast<int>(i)) refs.push_back(static_cast<uint32_t>(writer[slot]));
    };
    const bool parsed = bitstream::for_each_obu(packets[i].first, packets[i].second, [&](const Obu& obu) {
      if (obu.spatial_id != 0) {  // spatial layers: not analysed
        known = false;
        return false;
      }
      if (obu.type == 1) {  // OBU_SEQUENCE_HEADER
        BitReader r(obu.data, obu.size);
        have_seq = bitstream::read_av1_sequence_header(r, seq);
        return true;
      }
      if (obu.type != 3 && obu.type != 6) return true;  // OBU_FRAME_HEADER, OBU_FRAME
      if (!have_seq) {
        known = false;
        return false;
      }
      BitReader r(obu.data, obu.size);
      const FrameHeader f = read_frame_header(r, seq, obu, slot_types);
      if (!f.ok) {
        known = false;
        return false;
      }
      if (f.show_existing) need(f.shown_slot);
      for (int s = 0; s < 8 && f.all_slots_read; ++s) need(s);
      for (int s : f.ref_slots) {
        if (s >= 0) need(s);
      }
      for (int s = 0; s < 8; ++s) {
        if (!(f.refresh & (1u << s))) continue;
        writer[s] = static_cast<int>(i);
        slot_types[s] = f.show_existing ? slot_types[f.shown_slot] : f.frame_type;
      }
      return true;
    });
    if (!parsed) known = false;
    broken = broken || !known;
    std::sort(refs.begin(), refs.end());
    refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
    lists.add(refs, known && !broken);
  }
  return lists;
}

}  // namespace odvd
