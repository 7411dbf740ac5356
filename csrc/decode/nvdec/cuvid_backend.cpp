#include "decode/nvdec/cuvid_backend.h"

namespace odvd {

CuvidBackend::CuvidBackend(std::shared_ptr<GpuDevice> gpu, size_t max_sessions)
    : gpu_(std::move(gpu)), max_sessions_(max_sessions), options_(CuvidOptions::from_environment()) {}

CuvidBackend::~CuvidBackend() { release_decoders(); }

std::unique_ptr<Decoder> CuvidBackend::take(const StreamParams& params, const std::string& context, int /*threads*/) {
  std::unique_ptr<CuvidDecoder> d;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Best: same codec, depth and coded size (its decoder is kept as it is); next: same codec.
    auto best = idle_.end();
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      const CuvidDecoder& c = **it;
      if (c.codec() != params.codec) continue;
      if (c.bit_depth() == params.bit_depth && c.coded_width() == uint32_t(params.coded_width) &&
          c.coded_height() == uint32_t(params.coded_height)) {
        best = it;
        break;
      }
      if (best == idle_.end()) best = it;
    }
    if (best != idle_.end()) {
      d = std::move(*best);
      idle_.erase(best);
    }
  }
  if (!d) d = std::make_unique<CuvidDecoder>(gpu_, params.codec, gpu_->new_stream(), options_, caps_);
  d->bind(params, context);
  return d;
}

void CuvidBackend::give_back(std::unique_ptr<Decoder> d) noexcept {
  if (!d) return;
  std::list<std::unique_ptr<CuvidDecoder>> evicted;  // destroyed outside the lock
  try {
    std::unique_ptr<CuvidDecoder> c(static_cast<CuvidDecoder*>(d.release()));
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_front(std::move(c));
    while (idle_.size() > max_sessions_) {  // least recently used first out
      evicted.push_back(std::move(idle_.back()));
      idle_.pop_back();
    }
  } catch (...) {
    // No memory for the list: the session is destroyed.
  }
}

std::vector<FramePtr> CuvidBackend::convert(const std::vector<FramePtr>& natives, bool bgr,
                                            const OutputOptions& options, int /*threads*/) {
  return gpu_->convert(natives, bgr, &options);
}

void CuvidBackend::release_decoders() {
  std::list<std::unique_ptr<CuvidDecoder>> gone;
  std::lock_guard<std::mutex> lock(mutex_);
  gone.swap(idle_);
}

}  // namespace odvd
