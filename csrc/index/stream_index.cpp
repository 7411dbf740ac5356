#include "index/stream_index.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "common/error.h"

namespace odvd {

StreamIndex::StreamIndex(std::vector<Sample> samples, std::string name)
    : name_(std::move(name)), samples_(std::move(samples)) {
  std::vector<int32_t> shown;
  shown.reserve(samples_.size());
  for (int32_t i = 0; i < static_cast<int32_t>(samples_.size()); ++i) {
    Sample& s = samples_[i];
    s.frame_id = -1;
    if (!(s.flags & kSampleDiscard)) shown.push_back(i);
  }
  if (shown.empty()) throw std::invalid_argument(name_ + ": the video stream has no frames");
  // Presentation order = pts order, which is the order `ffmpeg -fps_mode passthrough` writes frames
  // in; ties (never in valid files) keep decode order so the result is deterministic.
  std::stable_sort(shown.begin(), shown.end(),
                   [&](int32_t a, int32_t b) { return samples_[a].pts < samples_[b].pts; });
  frame_to_sample_ = std::move(shown);
  for (size_t f = 0; f < frame_to_sample_.size(); ++f) samples_[frame_to_sample_[f]].frame_id = static_cast<int64_t>(f);
}

int32_t StreamIndex::sample_of_frame(int64_t frame_id) const {
  if (frame_id < 0 || frame_id >= frame_count()) {
    throw FrameOutOfRange("frame_id=" + std::to_string(frame_id) + " out of range for " + name_ + " (" +
                            std::to_string(frame_count()) + " frames, valid ids 0.." +
                            std::to_string(frame_count() - 1) + ")");
  }
  return frame_to_sample_[static_cast<size_t>(frame_id)];
}

}  // namespace odvd
