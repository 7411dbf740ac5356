// HEVC reference lists of a packet span: parameter sets as they come in band, the first slice segment
// header of every picture up to its reference picture sets, picture order counts by H.265 8.3.1, and
// each used_by_curr_pic entry resolved to the packet of that POC (demux/references.h).
#include <algorithm>
#include <memory>
#include <unordered_map>

#include "demux/hevc_sps.h"
#include "demux/references.h"

namespace odvd {
namespace {

using bitstream::BitReader;
using bitstream::HevcPps;
using bitstream::HevcSps;
using bitstream::HevcStRps;

constexpr size_t kMaxParameterSet = 64 * 1024;  // bounds the copy of a malformed NAL unit
constexpr size_t kMaxSliceHeader = 4096;        // far above the fields read

// H.265 table 7-1.
bool is_irap(int type) { return type >= 16 && type <= 23; }
bool is_idr(int type) { return type == 19 || type == 20; }
bool is_bla(int type) { return type >= 16 && type <= 18; }
bool is_leading(int type) { return type >= 6 && type <= 9; }          // RADL_N/R, RASL_N/R
bool is_sub_layer_nonref(int type) { return type <= 14 && type % 2 == 0; }

int ceil_log2(uint32_t v) {
  int bits = 0;
  while ((uint32_t{1} << bits) < v) ++bits;
  return bits;
}

// What one access unit's first slice segment header says.
struct Picture {
  bool ok = false;
  int type = -1;
  int temporal_id = 0;
  uint32_t poc_lsb = 0;
  int poc_lsb_bits = 0;
  std::vector<int32_t> used_deltas;  // POC deltas of StCurrBefore and StCurrAfter
  bool long_term = false;            // signals long-term pictures (not resolved: unknown)
};

class PictureReader {
 public:
  Picture read(const uint8_t* p, size_t n) {
    Picture pic;
    bitstream::for_each_annexb_nal(p, n, [&](const uint8_t* nal, size_t size) {
      if (size < 3 || (nal[0] & 0x80)) return true;
      const int type = (nal[0] >> 1) & 0x3f;
      const int layer = ((nal[0] & 1) << 5) | (nal[1] >> 3);
      const int tid = (nal[1] & 7) - 1;
      if (layer != 0 || tid < 0) return true;
      if (type == 33) {
        auto sps = std::make_unique<HevcSps>();
        const std::vector<uint8_t> rbsp = bitstream::nal_rbsp(nal, size, 2, kMaxParameterSet);
        BitReader r(rbsp.data(), rbsp.size());
        if (bitstream::read_hevc_sps(r, *sps)) sps_[sps->sps_id] = std::move(sps);
        return true;
      }
      if (type == 34) {
        HevcPps pps;
        const std::vector<uint8_t> rbsp = bitstream::nal_rbsp(nal, size, 2, kMaxParameterSet);
        BitReader r(rbsp.data(), rbsp.size());
        if (bitstream::read_hevc_pps(r, pps)) pps_[pps.pps_id] = pps;
        return true;
      }
      if (type > 31) return true;  // not a slice segment
      pic = slice(type, tid, nal, size);
      return false;                // the first slice segment decides
    });
    return pic;
  }

 private:
  // 7.3.6.1 slice_segment_header() of a picture's first slice segment, up to its reference sets.
  Picture slice(int type, int tid, const uint8_t* nal, size_t size) {
    Picture pic;
    pic.type = type;
    pic.temporal_id = tid;
    if (type >= 22) return pic;  // reserved types
    const std::vector<uint8_t> rbsp = bitstream::nal_rbsp(nal, size, 2, kMaxSliceHeader);
    BitReader r(rbsp.data(), rbsp.size());
    if (!r.flag()) return pic;        // first_slice_segment_in_pic_flag
    if (is_irap(type)) r.skip(1);     // no_output_of_prior_pics_flag
    auto pps = pps_.find(r.ue(63));   // slice_pic_parameter_set_id
    if (pps == pps_.end()) return pic;
    auto found = sps_.find(pps->second.sps_id);
    if (found == sps_.end()) return pic;
    HevcSps& sps = *found->second;
    r.skip(static_cast<size_t>(pps->second.num_extra_slice_header_bits));  // slice_reserved_flag[i]
    r.ue(2);                                          // slice_type
    if (pps->second.output_flag_present) r.skip(1);   // pic_output_flag
    if (sps.separate_colour_plane) r.skip(2);         // colour_plane_id
    pic.poc_lsb_bits = sps.poc_lsb_bits;
    if (!is_idr(type)) {
      pic.poc_lsb = r.u(sps.poc_lsb_bits);            // slice_pic_order_cnt_lsb
      const HevcStRps* rps = nullptr;
      if (!r.flag()) {                                // short_term_ref_pic_set_sps_flag
        if (!bitstream::read_st_ref_pic_set(r, sps.num_st_rps, sps.num_st_rps, sps.st_rps, sps.max_dec)) return pic;
        rps = &sps.st_rps[sps.num_st_rps];
      } else {
        const uint32_t idx = sps.num_st_rps > 1 ? r.u(ceil_log2(sps.num_st_rps)) : 0;  // short_term_ref_pic_set_idx
        if (idx >= sps.num_st_rps) return pic;
        rps = &sps.st_rps[idx];
      }
      if (sps.long_term_present) {
        const uint32_t from_sps = sps.num_lt_sps > 0 ? r.ue(sps.num_lt_sps) : 0;  // num_long_term_sps
        const uint32_t own = r.ue(32);                                            // num_long_term_pics
        pic.long_term = from_sps + own > 0;
      }
      for (int i = 0; i < rps->num_negative; ++i) {
        if (rps->used0[i]) pic.used_deltas.push_back(rps->s0[i]);
      }
      for (int i = 0; i < rps->num_positive; ++i) {
        if (rps->used1[i]) pic.used_deltas.push_back(rps->s1[i]);
      }
    }
    pic.ok = r.ok();
    return pic;
  }

  std::unordered_map<uint32_t, std::unique_ptr<HevcSps>> sps_;
  std::unordered_map<uint32_t, HevcPps> pps_;
};

}  // namespace

ReferenceLists hevc_reference_lists(const std::vector<PacketBytes>& packets) {
  PictureReader reader;
  std::vector<Picture> pics;
  pics.reserve(packets.size());
  for (const auto& [data, size] : packets) pics.push_back(reader.read(data, size));
  if (pics.empty() || !pics[0].ok || !is_irap(pics[0].type)) return {};

  // 8.3.1: picture order counts, each picture's POC anchor (prevTid0Pic) and POC domain (a new one at
  // every IRAP picture with NoRaslOutputFlag: the first, IDR and BLA pictures).
  const size_t n = pics.size();
  std::vector<int64_t> poc(n, 0);
  std::vector<int32_t> anchor(n, -1), domain(n, 0);
  int32_t prev_tid0 = -1, current_domain = -1;
  for (size_t i = 0; i < n; ++i) {
    const Picture& p = pics[i];
    if (!p.ok) continue;
    const int64_t max_lsb = int64_t{1} << p.poc_lsb_bits;
    const bool new_domain = i == 0 || is_idr(p.type) || is_bla(p.type);
    if (new_domain) {
      ++current_domain;
      poc[i] = p.poc_lsb;
    } else if (prev_tid0 >= 0) {
      const int64_t prev_lsb = poc[prev_tid0] & (max_lsb - 1);
      const int64_t prev_msb = poc[prev_tid0] - prev_lsb;
      const int64_t lsb = p.poc_lsb;
      int64_t msb = prev_msb;
      if (lsb < prev_lsb && prev_lsb - lsb >= max_lsb / 2) msb += max_lsb;
      else if (lsb > prev_lsb && lsb - prev_lsb > max_lsb / 2) msb -= max_lsb;
      poc[i] = msb + lsb;
      anchor[i] = prev_tid0;
    }
    domain[i] = current_domain;
    if (p.temporal_id == 0 && !is_leading(p.type) && !is_sub_layer_nonref(p.type)) prev_tid0 = static_cast<int32_t>(i);
  }
  // Where a domain's POCs span half the LSB range or more, a POC is derived right only from its own
  // anchor: anchors become references too, so a closure keeps them.
  std::unordered_map<int32_t, std::pair<int64_t, int64_t>> range;
  for (size_t i = 0; i < n; ++i) {
    if (!pics[i].ok) continue;
    auto [it, fresh] = range.try_emplace(domain[i], poc[i], poc[i]);
    if (!fresh) it->second = {std::min(it->second.first, poc[i]), std::max(it->second.second, poc[i])};
  }

  ReferenceLists lists;
  std::unordered_map<int64_t, int32_t> packet_of_poc;  // in the current domain
  int32_t seen_domain = -1;
  bool broken = false;  // after a picture that could not be read, POCs are not known either
  for (size_t i = 0; i < n; ++i) {
    const Picture& p = pics[i];
    broken = broken || !p.ok;
    if (broken || p.long_term) {
      lists.add({}, false);
      continue;
    }
    if (domain[i] != seen_domain) {
      packet_of_poc.clear();
      seen_domain = domain[i];
    }
    std::vector<uint32_t> refs;
    bool known = true;
    for (int32_t d : p.used_deltas) {
      auto it = packet_of_poc.find(poc[i] + d);
      if (it == packet_of_poc.end()) {
        known = false;  // a picture before the span (a leading picture of the first key frame)
        break;
      }
      refs.push_back(static_cast<uint32_t>(it->second));
    }
    const auto& [lo, hi] = range.at(domain[i]);
    if (anchor[i] >= 0 && hi - lo >= (int64_t{1} << p.poc_lsb_bits) / 2) refs.push_back(static_cast<uint32_t>(anchor[i]));
    std::sort(refs.begin(), refs.end());
    refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
    lists.add(refs, known);
    packet_of_poc[poc[i]] = static_cast<int32_t>(i);
  }
  return lists;
}

ReferenceLists read_reference_lists(Codec codec, const std::vector<PacketBytes>& packets) {
  if (codec == Codec::kHEVC) return hevc_reference_lists(packets);
  if (codec == Codec::kAV1) return av1_reference_lists(packets);
  return {};
}

}  // namespace odvd
