// The FFmpeg-NVDEC backend: NVDEC through libavcodec's own hwaccel (the h264 / hevc / vp9 / av1
// decoders with a CUDA hardware device; get_format picks AV_PIX_FMT_CUDA), as torchcodec's CUDA
// interface uses it. libavcodec parses the bitstream and drives NVDEC; its output surfaces are copied
// into native frames (decode/nvdec/device_picture.h). Each decoder has its own hardware device context
// over the GPU's primary context and its own stream, so libavcodec's copies and ours are ordered on one
// stream. Works with any FFmpeg built with --enable-nvdec (Debian's and Ubuntu's packages, the static
// FFmpeg of scripts/build-wheel.sh).
//
// NOT YET RUN ON A GPU (docs/validation/gpu.md).
#pragma once

#include <memory>

#include "decode/nvdec/gpu_backend.h"

namespace odvd {

class FfmpegNvdecBackend final : public GpuBackend {
 public:
  explicit FfmpegNvdecBackend(std::shared_ptr<GpuDevice> gpu, bool strict = false, size_t max_decoders = 32)
      : GpuBackend(std::move(gpu), strict, max_decoders) {}
  const char* name() const override { return "ffmpeg"; }

 protected:
  // libavcodec reconfigures its decoder for each sequence itself: any idle decoder of the codec.
  Idle::iterator pick(Idle& idle, const StreamParams& params) override;
  std::unique_ptr<Decoder> create(const StreamParams& params) override;
};

// Whether this FFmpeg can decode `codec` through NVDEC (a decoder with a CUDA hardware config).
bool ffmpeg_has_nvdec(Codec codec);

}  // namespace odvd
