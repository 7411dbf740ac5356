// PyNvSampleReader's engine: one StreamReader per file (stream_reader.h), kept across calls for up to
// `max_readers` files (least recently used first out), so clips visited in turn -- the seed's
// num_of_set cycling -- each keep their decoder and position. The files of one call are read in
// parallel; the requests for one file in request order.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "decode/backend.h"
#include "engine/stream_reader.h"

namespace odvd {

class SampleReader {
 public:
  // threads: CPU threads for a call (0: all cores); backend: the decoders and frame memory
  // (decode/backend.h: the CPU, or NVDEC on a GPU).
  SampleReader(size_t max_readers, int threads, std::shared_ptr<DecoderBackend> backend);

  std::vector<FramePtr> decode(const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
                               OutputFormat out);
  // Drops every reader and the backend's idle decoders (clearAllReaders, release_decoder): the next
  // call opens files anew.
  void clear();
  // Drops the reader of `key` (a bytes / file-like source whose call ended), if any.
  void forget(const std::string& key);
  // Frees idle frame memory (release_device_memory).
  void release_memory() { backend_->release_memory(); }
  size_t readers() const;
  int device() const { return backend_->device(); }
  const char* backend_name() const { return backend_->name(); }
  // Native frames -> RGB / BGR with output options, in the backend's memory.
  std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& o) {
    return backend_->convert(natives, bgr, o, threads_);
  }
  ReaderCounters counters() const;

 private:
  struct Slot {
    std::mutex mutex;  // one call at a time per reader
    std::unique_ptr<StreamReader> reader;
  };
  std::shared_ptr<Slot> slot_for(const std::string& path);

  size_t max_readers_;
  int threads_;
  std::shared_ptr<DecoderBackend> backend_;
  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, std::pair<std::shared_ptr<Slot>, std::list<std::string>::iterator>> slots_;
  std::atomic<uint64_t> packets_fed_{0}, frames_decoded_{0}, seeks_{0};
};

}  // namespace odvd
