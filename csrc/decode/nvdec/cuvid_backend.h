// The cuvid backend: NVDEC through NVIDIA's own parser and decoder (libnvcuvid), on one GPU. Sessions
// (decode/nvdec/cuvid_decoder.h) are kept idle between calls (decode/nvdec/gpu_backend.h), keyed by
// codec and preferring one whose decoder already has the stream's bit depth and coded size (it is
// kept, not recreated). Files of a batch take separate sessions, each with its own stream, so the
// GPU's NVDEC engines work in parallel.
//
// NOT YET RUN ON A GPU (docs/validation/gpu.md).
#pragma once

#include <memory>

#include "decode/nvdec/cuvid_decoder.h"
#include "decode/nvdec/gpu_backend.h"

namespace odvd {

class CuvidBackend final : public GpuBackend {
 public:
  explicit CuvidBackend(std::shared_ptr<GpuDevice> gpu, bool strict = false, size_t max_sessions = 32)
      : GpuBackend(std::move(gpu), strict, max_sessions), options_(CuvidOptions::from_environment()) {}
  const char* name() const override { return "cuvid"; }

 protected:
  Idle::iterator pick(Idle& idle, const StreamParams& params) override;
  std::unique_ptr<Decoder> create(const StreamParams& params) override {
    return std::make_unique<CuvidDecoder>(gpu_, params.codec, gpu_->new_stream(), options_, caps_);
  }

 private:
  CuvidOptions options_;
  DecoderCaps caps_;
};

}  // namespace odvd
