#include "engine/sample_reader.h"

#include <algorithm>

#include "engine/parallel.h"
#include "engine/request_groups.h"

namespace odvd {

SampleReader::SampleReader(size_t max_readers, int threads, std::shared_ptr<DecoderBackend> backend)
    : max_readers_(std::max<size_t>(1, max_readers)), threads_(thread_count(threads)), backend_(std::move(backend)) {}

std::shared_ptr<SampleReader::Slot> SampleReader::slot_for(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = slots_.find(path);
  if (it != slots_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return it->second.first;
  }
  lru_.push_front(path);
  auto slot = std::make_shared<Slot>();
  slots_.emplace(path, std::make_pair(slot, lru_.begin()));
  while (slots_.size() > max_readers_) {  // a reader in use by this call lives on until the call ends
    slots_.erase(lru_.back());
    lru_.pop_back();
  }
  return slot;
}

std::vector<FramePtr> SampleReader::decode(const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
                                           OutputFormat out) {
  const auto groups = group_by(paths);
  const Split sp = split_threads(threads_, groups.size());
  std::vector<FramePtr> results(paths.size());
  parallel_for(groups.size(), sp.workers, [&](size_t g) {
    const std::vector<size_t>& reqs = groups[g];
    std::shared_ptr<Slot> slot = slot_for(paths[reqs.front()]);
    std::lock_guard<std::mutex> lock(slot->mutex);
    if (slot->reader && !slot->reader->file().unchanged_on_disk()) slot->reader.reset();  // replaced on disk
    if (!slot->reader) {
      slot->reader = std::make_unique<StreamReader>(std::make_shared<const VideoFile>(paths[reqs.front()]), backend_);
    }
    struct Tally {  // added to the totals also when a read throws
      SampleReader* self;
      ReaderCounters c;
      ~Tally() {
        self->packets_fed_ += c.packets_fed;
        self->frames_decoded_ += c.frames_decoded;
        self->seeks_ += c.seeks;
      }
    } tally{this, {}};
    for (size_t r : reqs) results[r] = slot->reader->read(ids[r], out, sp.decoder_threads, tally.c);
  });
  return results;
}

void SampleReader::clear() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_.clear();  // a reader still in use by a call lives on until the call ends
    lru_.clear();
  }
  backend_->release_decoders();
}

void SampleReader::forget(const std::string& key) {
  std::shared_ptr<Slot> gone;  // released outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = slots_.find(key);
  if (it == slots_.end()) return;
  gone = it->second.first;
  lru_.erase(it->second.second);
  slots_.erase(it);
}

size_t SampleReader::readers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.size();
}

ReaderCounters SampleReader::counters() const {
  ReaderCounters c;
  c.packets_fed = packets_fed_.load();
  c.frames_decoded = frames_decoded_.load();
  c.seeks = seeks_.load();
  return c;
}

}  // namespace odvd
