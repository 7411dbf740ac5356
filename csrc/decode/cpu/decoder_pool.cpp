#include "decode/cpu/decoder_pool.h"

namespace odvd {

std::unique_ptr<CpuDecoder> CpuDecoderPool::take(Codec codec, int threads) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& v = idle_[{static_cast<int>(codec), threads}];
    if (!v.empty()) {
      auto d = std::move(v.back());
      v.pop_back();
      return d;
    }
  }
  return std::make_unique<CpuDecoder>(codec, threads);
}

void CpuDecoderPool::give_back(std::unique_ptr<CpuDecoder> d) {
  if (!d) return;
  std::lock_guard<std::mutex> lock(mutex_);
  idle_[{static_cast<int>(d->codec()), d->threads()}].push_back(std::move(d));
}

void CpuDecoderPool::clear() {
  std::map<std::pair<int, int>, std::vector<std::unique_ptr<CpuDecoder>>> gone;
  std::lock_guard<std::mutex> lock(mutex_);
  gone.swap(idle_);
}

}  // namespace odvd
