#include "decode/nvdec/gpu_backend.h"

namespace odvd {

GpuBackend::~GpuBackend() { release_decoders(); }

std::unique_ptr<Decoder> GpuBackend::take(const StreamParams& params, const std::string& context, int /*threads*/) {
  std::unique_ptr<Decoder> d;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = pick(idle_, params);
    if (it != idle_.end()) {
      d = std::move(*it);
      idle_.erase(it);
    }
  }
  if (!d) d = create(params);
  d->bind(params, context);
  return d;
}

void GpuBackend::give_back(std::unique_ptr<Decoder> d) noexcept {
  if (!d) return;
  Idle evicted;  // destroyed outside the lock
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_front(std::move(d));
    while (idle_.size() > max_idle_) {
      evicted.push_back(std::move(idle_.back()));
      idle_.pop_back();
    }
  } catch (...) {
    // No memory for the list: the decoder is destroyed.
  }
}

std::vector<FramePtr> GpuBackend::convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& options,
                                          int /*threads*/) {
  return gpu_->convert(natives, bgr, &options);
}

void GpuBackend::release_decoders() {
  Idle gone;
  std::lock_guard<std::mutex> lock(mutex_);
  gone.swap(idle_);
}

}  // namespace odvd
