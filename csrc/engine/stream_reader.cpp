#include "engine/stream_reader.h"

#include <algorithm>
#include <stdexcept>

namespace odvd {
namespace {

constexpr int32_t kReadAhead = 16;  // samples read from the file at a time

ff::FramePtr ref_of(const AVFrame* f) {
  ff::FramePtr r = ff::make_frame();
  if (av_frame_ref(r.get(), f) < 0) throw std::bad_alloc();
  return r;
}

}  // namespace

StreamReader::StreamReader(std::shared_ptr<VideoFile> file, std::shared_ptr<BlockPool> pool)
    : file_(std::move(file)), pool_(std::move(pool)), context_("'" + file_->path() + "'") {}

void StreamReader::release_decoder() {
  dec_.reset();
  live_ = false;
  queue_.clear();
  ready_.clear();
}

void StreamReader::restart(int32_t start, ReaderCounters& counters) {
  if (dec_) dec_->reset();
  queue_.clear();
  ready_.clear();
  next_ = start;
  last_out_ = -1;
  live_ = true;
  ++counters.seeks;
}

bool StreamReader::refill() {
  const int32_t n = static_cast<int32_t>(file_->index().samples().size());
  if (next_ >= n) return false;
  const int32_t last = std::min(n - 1, next_ + kReadAhead - 1);
  auto lock = file_->lock();
  std::vector<ff::PacketPtr> packets = file_->read_samples(next_, last, /*starts_sequence=*/false);
  for (int32_t i = next_; i <= last; ++i) queue_.emplace_back(i, std::move(packets[i - next_]));
  next_ = last + 1;
  return true;
}

FramePtr StreamReader::deliver(int64_t frame_id, const AVFrame* f, OutputFormat out) {
  const StreamIndex& index = file_->index();
  FramePtr frame = build_frame(f, file_->params(), out, *pool_, context_);
  frame->frame_id = frame_id;
  frame->pts = index.samples()[index.sample_of_frame(frame_id)].pts;
  last_id_ = frame_id;
  last_format_ = out;
  last_frame_ = frame;
  return frame;
}

FramePtr StreamReader::read(int64_t k, OutputFormat out, int threads, ReaderCounters& counters) {
  const StreamIndex& index = file_->index();
  const auto& samples = index.samples();
  const int32_t t = index.sample_of_frame(k);  // IndexError naming the file and the valid range
  if (k == last_id_ && last_frame_ && last_format_ == out) return copy_frame(*last_frame_, *pool_);

  // Put out earlier, ahead of its request (decoder delay, or the drain at the end of the file).
  if (auto it = ready_.find(k); it != ready_.end()) {
    ff::FramePtr f = std::move(it->second);
    ready_.erase(ready_.begin(), std::next(it));
    return deliver(k, f.get(), out);
  }

  // Where a fresh decode of k would start: its GOP's key frame, or the previous GOP's for an open-GOP
  // leading picture (shown before its key frame). Continue instead when the decoder stands at or
  // after that point and has not put k out yet.
  const GopInfo gop = index.gop_of_sample(t);
  const bool leading = samples[t].frame_id < samples[gop.key_sample].frame_id;
  const int32_t start = leading && gop.key_sample > 0 ? index.previous_key(gop.key_sample) : gop.key_sample;
  const int32_t fed_up_to = queue_.empty() ? next_ : queue_.front().first;
  if (!(live_ && dec_ && k > last_out_ && fed_up_to >= start)) restart(start, counters);
  if (!dec_) dec_ = std::make_unique<CpuDecoder>(file_->params().codec, std::max(1, threads));
  ready_.erase(ready_.begin(), ready_.lower_bound(k));

  ff::FramePtr got;
  const auto on_frame = [&](int64_t id, const AVFrame* f) {
    ++counters.frames_decoded;
    last_out_ = std::max(last_out_, id);
    if (id == k && !got) {
      got = ref_of(f);
    } else if (id > k) {
      ready_[id] = ref_of(f);
    }
  };
  try {
    while (!got) {
      if (queue_.empty() && !refill()) {
        // End of the file: what the decoder still holds comes out now.
        if (live_) dec_->drain(on_frame, context_);
        dec_->reset();
        live_ = false;
        break;
      }
      const int32_t i = queue_.front().first;
      ff::PacketPtr packet = std::move(queue_.front().second);
      queue_.pop_front();
      const Sample& s = samples[i];
      // A non-reference picture shown before the request is never needed again: skip it.
      if ((s.flags & kSampleNonRef) && s.frame_id >= 0 && s.frame_id < k) continue;
      FeedPacket f;
      f.packet = packet.get();
      f.frame_id = s.frame_id;
      f.key = s.flags & kSampleKey;
      ++counters.packets_fed;
      dec_->send(f, on_frame, context_);
    }
  } catch (...) {
    live_ = false;  // the next read starts over
    queue_.clear();
    throw;
  }
  if (!got) {
    throw std::invalid_argument(context_ + ": frame_id=" + std::to_string(k) +
                                " was not produced by the decoder (corrupt or undecodable data)");
  }
  return deliver(k, got.get(), out);
}

}  // namespace odvd
