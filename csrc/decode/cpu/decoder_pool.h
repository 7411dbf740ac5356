// Idle CPU decoders by (codec, thread count), reused across calls: opening a libavcodec decoder
// with frame threads costs more than decoding a small GOP.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "decode/cpu/cpu_decoder.h"

namespace odvd {

class CpuDecoderPool {
 public:
  // A decoder for exclusive use; hand it back with give_back (a throwing run still resets it).
  std::unique_ptr<CpuDecoder> take(Codec codec, int threads);
  void give_back(std::unique_ptr<CpuDecoder> d);
  void clear();

 private:
  std::mutex mutex_;
  std::map<std::pair<int, int>, std::vector<std::unique_ptr<CpuDecoder>>> idle_;
};

}  // namespace odvd
