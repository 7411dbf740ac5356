// The cuvid backend: NVDEC through NVIDIA's own parser and decoder (libnvcuvid), on one GPU. Sessions
// (decode/nvdec/cuvid_decoder.h) are kept idle between calls, keyed by codec and preferring one whose
// decoder already has the stream's bit depth and coded size (it is kept, not recreated); at most
// `max_sessions` are kept, the least recently used idle one going first. Files of a batch take
// separate sessions, each with its own stream, so the GPU's NVDEC engines work in parallel.
//
// NOT YET RUN ON A GPU (docs/validation/gpu.md).
#pragma once

#include <list>
#include <memory>
#include <mutex>

#include "decode/backend.h"
#include "decode/nvdec/cuvid_decoder.h"
#include "decode/nvdec/gpu_device.h"

namespace odvd {

class CuvidBackend final : public DecoderBackend {
 public:
  explicit CuvidBackend(std::shared_ptr<GpuDevice> gpu, size_t max_sessions = 32);
  ~CuvidBackend() override;

  const char* name() const override { return "cuvid"; }
  int device() const override { return gpu_->index(); }
  std::unique_ptr<Decoder> take(const StreamParams& params, const std::string& context, int threads) override;
  void give_back(std::unique_ptr<Decoder> decoder) noexcept override;
  std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& options,
                                int threads) override;
  FramePtr copy(const Frame& frame) override { return gpu_->copy(frame); }
  void release_decoders() override;
  void release_memory() override { gpu_->pool().trim(); }

 private:
  std::shared_ptr<GpuDevice> gpu_;
  size_t max_sessions_;
  CuvidOptions options_;
  DecoderCaps caps_;
  std::mutex mutex_;
  std::list<std::unique_ptr<CuvidDecoder>> idle_;  // most recently given back first
};

}  // namespace odvd
