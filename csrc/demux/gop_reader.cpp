#include "demux/gop_reader.h"

#include <cstring>
#include <stdexcept>

#include "common/error.h"
#include "demux/bitstream.h"

namespace odvd {
namespace {

constexpr uint8_t kHasConfig = 1;
constexpr uint8_t kLacksConfig = 2;

ff::PacketPtr packet_of_size(size_t size) {
  ff::PacketPtr p = ff::make_packet();
  if (av_new_packet(p.get(), static_cast<int>(size)) < 0) throw std::bad_alloc();
  return p;
}

size_t nal_length(const uint8_t* p, int length_size) {
  size_t len = 0;
  for (int b = 0; b < length_size; ++b) len = (len << 8) | p[b];
  return len;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw DataError("'" + path + "': corrupt packet (" + what + ")");
}

// The 4-byte NAL lengths of one sample turned into 4-byte start codes, in place: what the
// mp4toannexb filters do, without their per-packet copies.
void lengths_to_start_codes(uint8_t* data, size_t n, const std::string& path) {
  size_t pos = 0;
  while (pos + 4 <= n) {
    const size_t len = nal_length(data + pos, 4);
    if (len > n - pos - 4) corrupt(path, "NAL length " + std::to_string(len) + " exceeds the packet");
    data[pos] = data[pos + 1] = data[pos + 2] = 0;
    data[pos + 3] = 1;
    pos += 4 + len;
  }
  if (pos != n) corrupt(path, "trailing bytes after the last NAL");
}

// A sample with 1- or 2-byte NAL lengths (ISO/IEC 14496-15 allows them) as Annex-B: every length
// becomes a 4-byte start code, so the packet grows and is written anew.
ff::PacketPtr short_lengths_to_start_codes(const AVPacket& in, int length_size, const std::string& path) {
  const uint8_t* data = in.data;
  const size_t n = static_cast<size_t>(in.size);
  size_t pos = 0, nals = 0;
  while (pos + length_size <= n) {
    const size_t len = nal_length(data + pos, length_size);
    if (len > n - pos - length_size) corrupt(path, "NAL length " + std::to_string(len) + " exceeds the packet");
    pos += length_size + len;
    ++nals;
  }
  if (pos != n) corrupt(path, "trailing bytes after the last NAL");
  ff::PacketPtr out = packet_of_size(n + nals * (4 - length_size));
  av_packet_copy_props(out.get(), &in);
  uint8_t* dst = out->data;
  for (pos = 0; pos < n;) {
    const size_t len = nal_length(data + pos, length_size);
    dst[0] = dst[1] = dst[2] = 0;
    dst[3] = 1;
    std::memcpy(dst + 4, data + pos + length_size, len);
    dst += 4 + len;
    pos += length_size + len;
  }
  return out;
}

std::vector<PlanItem> items_of(const StreamIndex& index) {
  std::vector<PlanItem> items;
  items.reserve(index.samples().size());
  for (const Sample& s : index.samples()) items.push_back({s.frame_id, s.flags});
  return items;
}

}  // namespace

GopReader::GopReader(std::shared_ptr<const VideoFile> file)
    : file_(std::move(file)),
      config_state_(file_->index().samples().size(), 0),
      sequence_(items_of(file_->index())) {}

bool GopReader::reads_in_place() const {
  return file_->reads_by_position() && (file_->length_size() == 0 || file_->length_size() == 4);
}

std::vector<ff::PacketPtr> GopReader::read_samples(int32_t first, int32_t last, bool starts_sequence) {
  const auto& s = file_->index().samples();
  std::vector<ff::PacketPtr> packets;
  if (reads_in_place()) {
    // Decoders want each packet in its own padded buffer: read the GOP once, then copy out.
    std::vector<uint8_t> buffer;
    const Payload pay = read_in_place(first, last, starts_sequence, [&](size_t n) {
      buffer.resize(n);
      return buffer.data();
    });
    for (int32_t i = first; i <= last; ++i) {
      const size_t k = static_cast<size_t>(i - first);
      ff::PacketPtr p = packet_of_size(pay.size[k]);
      std::memcpy(p->data, buffer.data() + pay.offset[k], pay.size[k]);
      p->pts = s[i].pts;
      p->dts = s[i].dts;
      if (s[i].flags & kSampleKey) p->flags |= AV_PKT_FLAG_KEY;
      packets.push_back(std::move(p));
    }
    return packets;
  }
  if (file_->reads_by_position()) {
    packets = read_by_position(first, last);
  } else {
    if (!demuxer_) demuxer_ = file_->demuxer();
    packets = demuxer_->read(s, first, last);
  }
  to_annexb(packets, starts_sequence);
  for (size_t k = 0; k < packets.size(); ++k) {
    learn_nonref(first + static_cast<int32_t>(k), packets[k]->data, static_cast<size_t>(packets[k]->size));
  }
  return packets;
}

std::vector<ff::PacketPtr> GopReader::read_by_position(int32_t first, int32_t last) {
  const auto& s = file_->index().samples();
  std::vector<ff::PacketPtr> packets;
  for (int32_t i = first; i <= last; ++i) {
    ff::PacketPtr p = packet_of_size(static_cast<size_t>(s[i].size));
    file_->io().read_at(s[i].pos, p->data, static_cast<size_t>(s[i].size));
    p->pts = s[i].pts;
    p->dts = s[i].dts;
    if (s[i].flags & kSampleKey) p->flags |= AV_PKT_FLAG_KEY;
    packets.push_back(std::move(p));
  }
  return packets;
}

GopReader::Payload GopReader::read_payload(int32_t first, int32_t last,
                                           const std::function<uint8_t*(size_t)>& alloc) {
  if (reads_in_place()) return read_in_place(first, last, /*starts_sequence=*/true, alloc);
  const std::vector<ff::PacketPtr> packets = read_samples(first, last);
  Payload out;
  size_t total = 0;
  for (const auto& p : packets) total += static_cast<size_t>(p->size);
  uint8_t* dst = alloc(total);
  for (const auto& p : packets) {
    out.offset.push_back(out.used);
    out.size.push_back(static_cast<uint32_t>(p->size));
    std::memcpy(dst + out.used, p->data, static_cast<size_t>(p->size));
    out.used += static_cast<size_t>(p->size);
  }
  return out;
}

GopReader::Payload GopReader::read_in_place(int32_t first, int32_t last, bool starts_sequence,
                                            const std::function<uint8_t*(size_t)>& alloc) {
  const auto& s = file_->index().samples();
  const std::vector<uint8_t>& config = file_->parameter_sets();
  const bool length_prefixed = file_->length_size() == 4;
  // Every key frame (and the first sample when a decoder starts there) carries the configuration, as in
  // to_annexb: a slot for it is kept in front of each unless the sample is known to carry it in band.
  auto slot_of = [&](int32_t i) -> size_t {
    const bool wants = (i == first && starts_sequence) || (s[i].flags & kSampleKey);
    return wants && config_state_[i] != kHasConfig ? config.size() : 0;
  };
  size_t capacity = 0;
  for (int32_t i = first; i <= last; ++i) capacity += static_cast<size_t>(s[i].size) + slot_of(i);
  uint8_t* dst = alloc(capacity);
  Payload out;
  out.offset.resize(static_cast<size_t>(last - first + 1));
  out.size.resize(out.offset.size());
  size_t cursor = 0;
  for (int32_t i = first; i <= last;) {
    // One pread for a run of samples adjacent in the file, up to the next one that wants a slot.
    const size_t slot = slot_of(i);
    int32_t j = i;
    size_t bytes = static_cast<size_t>(s[i].size);
    while (j < last && s[j + 1].pos == s[j].pos + s[j].size && slot_of(j + 1) == 0) {
      ++j;
      bytes += static_cast<size_t>(s[j].size);
    }
    uint8_t* run = dst + cursor + slot;
    file_->io().read_at(s[i].pos, run, bytes);
    size_t at = cursor + slot;
    for (int32_t k = i; k <= j; ++k) {
      const size_t n = static_cast<size_t>(s[k].size);
      if (length_prefixed) lengths_to_start_codes(dst + at, n, file_->path());
      out.offset[k - first] = at;
      out.size[k - first] = static_cast<uint32_t>(n);
      at += n;
    }
    if (slot) {
      const size_t k0 = static_cast<size_t>(i - first);
      if (has_config(run, static_cast<size_t>(s[i].size))) {
        // In band after all: close the slot (and remember, so the next read reserves none).
        config_state_[i] = kHasConfig;
        std::memmove(dst + cursor, run, bytes);
        for (int32_t k = i; k <= j; ++k) out.offset[k - first] -= slot;
        at -= slot;
      } else {
        config_state_[i] = kLacksConfig;
        std::memcpy(dst + cursor, config.data(), slot);
        out.offset[k0] = cursor;
        out.size[k0] += static_cast<uint32_t>(slot);
      }
    }
    cursor = at;
    i = j + 1;
  }
  out.used = cursor;
  for (int32_t i = first; i <= last; ++i) {
    const size_t k = static_cast<size_t>(i - first);
    learn_nonref(i, dst + out.offset[k], out.size[k]);
  }
  return out;
}

void GopReader::to_annexb(std::vector<ff::PacketPtr>& packets, bool starts_sequence) {
  const int length_size = file_->length_size();
  for (auto& p : packets) {
    if (length_size == 4) {
      lengths_to_start_codes(p->data, static_cast<size_t>(p->size), file_->path());
    } else if (length_size > 0) {
      p = short_lengths_to_start_codes(*p, length_size, file_->path());
    }
  }
  const std::vector<uint8_t>& config = file_->parameter_sets();
  if (config.empty()) return;
  // Every key frame carries the configuration it needs, as the mp4toannexb filters do: a run may start
  // at any key frame of the packets read (e.g. the GOP after an open-GOP prefix in a bundle), and
  // bundles and DecodeFromPacketListRGB decode without the container's extradata.
  for (size_t k = 0; k < packets.size(); ++k) {
    AVPacket* p = packets[k].get();
    if ((k > 0 || !starts_sequence) && !(p->flags & AV_PKT_FLAG_KEY)) continue;
    if (has_config(p->data, static_cast<size_t>(p->size))) continue;
    ff::PacketPtr merged = packet_of_size(config.size() + p->size);
    std::memcpy(merged->data, config.data(), config.size());
    std::memcpy(merged->data + config.size(), p->data, p->size);
    av_packet_copy_props(merged.get(), p);
    packets[k] = std::move(merged);
  }
}

void GopReader::learn_nonref(int32_t sample, const uint8_t* data, size_t size) {
  const Codec codec = file_->params().codec;
  if (codec != Codec::kH264 && codec != Codec::kHEVC) return;
  if (bitstream::annexb_is_nonref(static_cast<AVCodecID>(file_->params().ff_codec_id), data, size,
                                  file_->hevc_single_sublayer())) {
    sequence_.add_flags(sample, kSampleNonRef);
  }
}

bool GopReader::has_config(const uint8_t* data, size_t size) const {
  const Codec codec = file_->params().codec;
  if (codec == Codec::kH264 || codec == Codec::kHEVC) {
    return bitstream::annexb_has_sps(static_cast<AVCodecID>(file_->params().ff_codec_id), data, size);
  }
  if (codec == Codec::kAV1) return bitstream::av1_has_sequence_header(data, size);
  return true;
}

}  // namespace odvd
