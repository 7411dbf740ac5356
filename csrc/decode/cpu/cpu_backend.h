// The CPU backend: libavcodec decoders (frame threads) into host memory. Decoders are kept idle by
// (codec, thread count) between calls, since opening one with frame threads costs more than decoding
// a small GOP; frames come from one host BlockPool; conversion runs on the CPU (frames/frame_convert).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "decode/backend.h"
#include "frames/block_pool.h"

namespace odvd {

class CpuBackend final : public DecoderBackend {
 public:
  explicit CpuBackend(bool strict = false);

  const char* name() const override { return "cpu"; }
  int device() const override { return -1; }
  std::unique_ptr<Decoder> take(const StreamParams& params, const std::string& context, int threads) override;
  void give_back(std::unique_ptr<Decoder> decoder) noexcept override;
  std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& options,
                                int threads) override;
  FramePtr copy(const Frame& frame) override;
  void release_decoders() override;
  void release_memory() override;

 private:
  std::shared_ptr<BlockPool> pool_;
  std::mutex mutex_;
  std::map<std::pair<int, int>, std::vector<std::unique_ptr<Decoder>>> idle_;  // by (codec, threads)
};

}  // namespace odvd
