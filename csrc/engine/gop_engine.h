// The GOP engine: requests (file, frame_id) in, frames or bundles out. It ties the stages together:
// FileCache (demux + StreamIndex) -> GopPlan -> packets -> a decoder of its backend (decode/backend.h)
// -> frames, and runs the files of a batch concurrently. It never asks which backend it has.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <string>
#include <vector>

#include "bundle/bundle.h"
#include "decode/backend.h"
#include "engine/file_cache.h"
#include "engine/parallel.h"
#include "gop/gop_plan.h"

namespace odvd {

// One GOP of one file, checked (engine/gop_extract.cpp) and serialized as a bundle of this entry
// alone: the first `size` bytes of `buffer` (`capacity` bytes). Its payload was read straight to where
// it belongs in that bundle (bundle::payload_offset(view)), so writing the bundle around it copied
// nothing; `view` points into `buffer` and can be serialized again into a bundle of several entries.
struct ExtractedGop {
  bundle::EntryView view;
  std::shared_ptr<uint8_t> buffer;
  size_t capacity = 0;
  size_t size = 0;
};

// DecodeFromPacketListRGB's input for one requested frame.
struct PacketList {
  std::vector<std::pair<const uint8_t*, size_t>> packets;  // decode order
  std::vector<int64_t> frame_ids;                          // frame each packet produces (-1: none)
  Codec codec = Codec::kH264;
  int32_t width = 0;
  int32_t height = 0;
  int64_t target = 0;
};

class GopEngine {
 public:
  // maxfiles: files kept open and indexed; threads: CPU threads for a call (0: all cores); backend:
  // the decoders and frame memory (decode/backend.h: the CPU, or NVDEC on a GPU).
  GopEngine(size_t maxfiles, int threads, std::shared_ptr<DecoderBackend> backend);

  std::vector<FramePtr> decode_files(const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
                                     OutputFormat out);
  // GetGOP / GetGOPList: the GOP of each request, one ExtractedGop per distinct GOP. ValueError naming
  // the file and the frame when the file's index cannot give a GOP that holds the frame and starts at
  // a real key frame (docs/bundle-format.md, "What GetGOP checks"). engine/gop_extract.cpp.
  // `with_references`: each entry also carries its packets' reference table (bundle version 3,
  // docs/reference-closure.md), for the codecs whose references are read (demux/references.h).
  std::vector<std::shared_ptr<ExtractedGop>> extract(const std::vector<std::string>& paths,
                                                     const std::vector<int64_t>& ids, bool with_references = false);
  // DecodeFromGOP*: each request from the entry of its own file (source_path) holding its frame;
  // ValueError when none does, or when an entry's bitstream decodes to another size or bit depth than
  // its header declares. `reference_closure`: feed only the targets' reference closures where the
  // bitstream tells them (a reference table the entry carries must agree with it: ValueError).
  std::vector<FramePtr> decode_entries(const std::vector<bundle::EntryView>& entries,
                                       const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
                                       OutputFormat out, bool reference_closure = true);
  std::vector<FramePtr> decode_packet_lists(const std::vector<PacketList>& lists, OutputFormat out);

  // Native frames -> RGB / BGR with output options, in the backend's memory.
  std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& o) {
    return backend_->convert(natives, bgr, o, threads_);
  }
  int device() const { return backend_->device(); }
  const char* backend_name() const { return backend_->name(); }

  void release_decoders() { backend_->release_decoders(); }
  void release_memory();
  size_t open_files() const { return files_.size(); }
  // Forgets what was opened under `key` (a bytes / file-like source whose call ended).
  void forget(const std::string& key) { files_.erase(key); }
  // The stream parameters of `path`, opening and indexing it (and keeping it, like a decode would).
  StreamParams params_of(const std::string& path) { return files_.get(path)->file().params(); }
  // The reader of `path`, opening and indexing it (and keeping it, like a decode would).
  std::shared_ptr<GopReader> reader_of(const std::string& path) { return files_.get(path); }
  // Opens and indexes `keys` on the call's threads (files in parallel) and keeps them (up to
  // maxfiles), so later calls on them find them open. A key that cannot be opened is skipped: the
  // call that asks for it next opens it again and raises its error.
  void prefetch(const std::vector<std::string>& keys);
  // Packets fed to decoders since construction (tests and benchmarks count decode work with it).
  uint64_t packets_fed() const { return packets_fed_.load(); }
  // Whether decode_files feeds only the targets' reference closures where the bitstream tells them
  // (docs/reference-closure.md); on by default.
  bool reference_closure() const { return reference_closure_.load(); }
  void set_reference_closure(bool on) { reference_closure_ = on; }

 private:
  using FrameMap = std::unordered_map<int64_t, FramePtr>;
  // Builds a run's packets for the decoder (reading them first, when they come from a file).
  using FeedBuilder = std::function<std::vector<FeedPacket>(DecodeRun& run)>;
  // Plans `targets` over `seq`, decodes each run on a decoder of the backend and returns the frames by id.
  FrameMap decode_sequence(const PacketSequence& seq, const std::vector<int64_t>& targets, const StreamParams& params,
                           OutputFormat out, const std::string& context, int decoder_threads,
                           const std::function<int64_t(int64_t)>& pts_of, const FeedBuilder& build_feed);
  // Decodes one run's feed on `dec`, adding its targets to `got`; ValueError for a target not produced.
  void decode_run(Decoder& dec, const DecodeRun& run, const std::vector<FeedPacket>& feed, OutputFormat out,
                  const std::string& context, const std::function<int64_t(int64_t)>& pts_of, FrameMap& got);
  // Runs `task` once per file of a call (files in parallel), with the file's reader locked, after every
  // requested frame id of the file was checked (IndexError naming the file and the valid range).
  // `split` says how the call's threads are shared (decoder threads per file).
  using FileTask = std::function<void(GopReader& reader, const std::vector<size_t>& reqs, const Split& split)>;
  void for_each_file(const std::vector<std::string>& paths, const std::vector<int64_t>& ids, const FileTask& task);
  // Hands each request of `reqs` its frame; a frame asked for twice is copied for the second.
  void deliver(FrameMap& got, const std::vector<size_t>& reqs, const std::vector<int64_t>& ids,
               std::vector<FramePtr>& results);

  int threads_;
  FileCache files_;
  std::shared_ptr<DecoderBackend> backend_;
  std::atomic<uint64_t> packets_fed_{0};
  std::atomic<bool> reference_closure_{true};
};

}  // namespace odvd
