#include "engine/stream_reader.h"

#include <algorithm>
#include <stdexcept>

#include "common/error.h"

namespace odvd {
namespace {

constexpr int32_t kReadAhead = 16;  // samples read from the file at a time

}  // namespace

StreamReader::StreamReader(std::shared_ptr<const VideoFile> file, std::shared_ptr<DecoderBackend> backend)
    : reader_(std::move(file)), backend_(std::move(backend)), context_("'" + reader_.file().path() + "'") {}

StreamReader::~StreamReader() { release_decoder(); }

void StreamReader::release_decoder() {
  ready_.clear();
  queue_.clear();
  live_ = false;
  if (dec_) {
    dec_->reset();
    backend_->give_back(std::move(dec_));
  }
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
  const int32_t n = static_cast<int32_t>(reader_.sequence().size());
  if (next_ >= n) return false;
  const int32_t last = std::min(n - 1, next_ + kReadAhead - 1);
  auto lock = reader_.lock();
  std::vector<ff::PacketPtr> packets = reader_.read_samples(next_, last, /*starts_sequence=*/false);
  for (int32_t i = next_; i <= last; ++i) queue_.emplace_back(i, std::move(packets[i - next_]));
  next_ = last + 1;
  return true;
}

FramePtr StreamReader::deliver(int64_t frame_id, FramePtr frame, OutputFormat out) {
  const StreamIndex& index = file().index();
  frame->frame_id = frame_id;
  frame->pts = index.samples()[index.sample_of_frame(frame_id)].pts;
  check_intact(*backend_, *frame, context_);
  last_id_ = frame_id;
  last_format_ = out;
  last_frame_ = frame;
  return frame;
}

FramePtr StreamReader::read(int64_t k, OutputFormat out, int threads, ReaderCounters& counters) {
  const StreamIndex& index = file().index();
  const PacketSequence& seq = reader_.sequence();
  const int32_t t = index.sample_of_frame(k);  // IndexError naming the file and the valid range
  if (k == last_id_ && last_frame_ && last_format_ == out) return backend_->copy(*last_frame_);

  // Put out earlier, ahead of its request (decoder delay, or the drain at the end of the file).
  if (auto it = ready_.find(k); it != ready_.end()) {
    std::unique_ptr<DecodedPicture> picture = std::move(it->second);
    ready_.erase(ready_.begin(), std::next(it));
    return deliver(k, picture->frame(out), out);
  }

  // Continue when the decoder stands at or after where a fresh decode of k would start, and has not
  // put k out yet; else start over there.
  const int32_t start = seq.decode_start(t);
  const int32_t fed_up_to = queue_.empty() ? next_ : queue_.front().first;
  if (!(live_ && dec_ && k > last_out_ && fed_up_to >= start)) restart(start, counters);
  if (!dec_) dec_ = backend_->take(file().params(), context_, std::max(1, threads));
  ready_.erase(ready_.begin(), ready_.lower_bound(k));

  FramePtr got;
  const OnPicture on_picture = [&](int64_t id, DecodedPicture& picture) {
    ++counters.frames_decoded;
    last_out_ = std::max(last_out_, id);
    if (id == k && !got) {
      got = picture.frame(out);
    } else if (id > k) {
      ready_[id] = picture.keep();
    }
  };
  try {
    while (!got) {
      if (queue_.empty() && !refill()) {
        // End of the file: what the decoder still holds comes out now.
        if (live_) dec_->drain(on_picture);
        dec_->reset();
        live_ = false;
        break;
      }
      const int32_t i = queue_.front().first;
      ff::PacketPtr packet = std::move(queue_.front().second);
      queue_.pop_front();
      // A non-reference picture shown before the request is never needed again: skip it.
      const PlanItem& p = seq[i];
      if (!needs_feeding(p, p.frame_id < 0 || p.frame_id >= k)) continue;
      FeedPacket f;
      f.packet = packet.get();
      f.frame_id = p.frame_id;
      f.key = p.flags & kSampleKey;
      ++counters.packets_fed;
      dec_->send(f, on_picture);
    }
  } catch (...) {
    live_ = false;  // the next read starts over
    queue_.clear();
    throw;
  }
  if (!got) {
    throw DataError(context_ + ": frame_id=" + std::to_string(k) +
                    " was not produced by the decoder (corrupt or undecodable data)");
  }
  return deliver(k, std::move(got), out);
}

}  // namespace odvd
