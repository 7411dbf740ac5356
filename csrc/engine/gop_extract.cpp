// GetGOP / GetGOPList's half of the engine: the GOP of each requested frame read from its file into a
// one-entry bundle, and that bundle checked before it is handed out. The file's index is what says
// where GOPs start and which frames they show, and a damaged index (an MP4 sync-sample table naming an
// inter frame or leaving out the first sample, composition offsets moving a frame into another GOP)
// would otherwise give a bundle that its own reader rejects, that decodes to garbage, or that does not
// hold the frame asked for (docs/bundle-format.md, "What GetGOP checks").
#include <map>
#include <stdexcept>
#include <string>

#include "bundle/bundle_buffers.h"
#include "common/error.h"
#include "demux/key_frame.h"
#include "demux/references.h"
#include "engine/gop_engine.h"

namespace odvd {
namespace {

constexpr const char* kDamagedIndex =
    ": the file's index is likely damaged (MP4: its sample tables stss / stts / ctts; Matroska: its key "
    "flags); no valid bundle can be made for this frame";

std::string request_name(const std::string& path, int64_t id) {
  return "'" + path + "': frame_id=" + std::to_string(id);
}

// The packets a bundle starts with must be what the spec requires: the first one (and the GOP's own key
// frame after a prefix) flagged key by the index and a key frame by its bitstream.
void check_start(const ExtractedGop& x, const GopSpan& gop, const std::string& request) {
  const bundle::EntryView& v = x.view;
  for (int32_t sample : {gop.first, gop.key}) {
    const bundle::PacketRecord& r = v.packets[static_cast<size_t>(sample - gop.first)];
    const std::string at = request + ": its GOP starts at sample " + std::to_string(sample) + " (decode order), ";
    if (!(r.flags & kSampleKey)) {
      throw DataError(at + "which the file's index does not mark as a key frame" + kDamagedIndex);
    }
    if (bitstream::key_frame(v.params.codec, v.payload + r.offset, r.size) == bitstream::KeyFrame::kNo) {
      throw DataError(at + "which the file's index marks as a key frame but which is not a key frame "
                           "in its bitstream (" + codec_name(v.params.codec) + ")" + kDamagedIndex);
    }
  }
}

// The bundle written around the payload, in place, and read back with every rule of the spec.
void serialize_checked(ExtractedGop& x, const std::string& request) {
  const std::vector<bundle::EntryView> one{x.view};
  x.size = bundle::serialized_size(one);
  if (x.size > x.capacity) throw std::logic_error(request + ": the bundle outgrew its buffer");
  bundle::serialize(one, x.buffer.get(), x.size);
  try {
    bundle::parse_written(x.buffer.get(), x.size);
  } catch (const std::invalid_argument& e) {
    throw DataError(request + ": the GOP read for it is not a valid bundle (" + e.what() + ")" +
                    kDamagedIndex);
  }
}

}  // namespace

std::vector<std::shared_ptr<ExtractedGop>> GopEngine::extract(const std::vector<std::string>& paths,
                                                              const std::vector<int64_t>& ids,
                                                              bool with_references) {
  std::vector<std::shared_ptr<ExtractedGop>> results(paths.size());
  for_each_file(paths, ids, [&](GopReader& reader, const std::vector<size_t>& reqs, const Split&) {
    const VideoFile& file = reader.file();
    const StreamIndex& index = file.index();
    const PacketSequence& seq = reader.sequence();
    std::map<int32_t, std::shared_ptr<ExtractedGop>> by_key;
    for (size_t r : reqs) {
      const std::string request = request_name(file.path(), ids[r]);
      const GopSpan gop = gop_span(seq, ids[r]);
      // The GOP's range is its frames' smallest id and their count: it holds the frame only while the
      // index's timestamps keep each GOP's frames together.
      if (ids[r] < gop.first_frame_id || ids[r] >= gop.first_frame_id + gop.gop_len) {
        throw DataError(request + " is not in the range [" + std::to_string(gop.first_frame_id) + ", " +
                        std::to_string(gop.first_frame_id + gop.gop_len) + ") of the GOP that holds its " +
                        "sample (samples " + std::to_string(gop.key) + ".." + std::to_string(gop.end - 1) +
                        "): timestamps put frames of one GOP among another's" + kDamagedIndex);
      }
      auto& slot = by_key[gop.key];
      if (slot) {
        results[r] = slot;
        continue;
      }
      auto x = std::make_shared<ExtractedGop>();
      bundle::EntryView& v = x->view;
      v.params = file.params();
      v.source_path = file.path();
      v.first_frame_id = gop.first_frame_id;
      v.gop_len = static_cast<uint32_t>(gop.gop_len);
      v.packets.resize(static_cast<size_t>(gop.end - gop.first));
      const size_t at = bundle::payload_offset(v);
      // Room for the largest reference table the packets can have: 16 + 16 POC deltas and one POC anchor
      // per packet (demux/references.h).
      const size_t table = with_references ? 16 + 4 * (v.packets.size() + 1) + 4 * 33 * v.packets.size() + v.packets.size() : 0;
      const GopReader::Payload pay = reader.read_payload(gop.first, gop.end - 1, [&](size_t capacity) {
        x->capacity = at + capacity + 8 + table;  // + the entry's alignment padding, its reference table
        x->buffer = bundle::acquire_buffer(x->capacity);
        return x->buffer.get() + at;
      });
      for (int32_t i = gop.first; i < gop.end; ++i) {
        const Sample& s = index.samples()[i];
        const size_t k = static_cast<size_t>(i - gop.first);
        bundle::PacketRecord& rec = v.packets[k];
        rec.offset = pay.offset[k];
        rec.size = pay.size[k];
        // The flags with what reading the packets taught (non-reference), the prefix marked.
        rec.flags = seq[i].flags | (i < gop.key ? kSamplePrefix : 0u);
        rec.pts = s.pts;
        rec.dts = s.dts;
        rec.frame_id = s.frame_id;
      }
      v.payload = x->buffer.get() + at;
      v.payload_size = pay.used;
      check_start(*x, gop, request);
      if (with_references) {
        std::vector<PacketBytes> bytes;
        for (const auto& rec : v.packets) bytes.emplace_back(v.payload + rec.offset, rec.size);
        v.references = read_reference_lists(v.params.codec, bytes);
      }
      serialize_checked(*x, request);
      slot = std::move(x);
      results[r] = slot;
    }
  });
  return results;
}

}  // namespace odvd
