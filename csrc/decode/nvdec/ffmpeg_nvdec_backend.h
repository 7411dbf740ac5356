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

#include <list>
#include <memory>
#include <mutex>

#include "decode/backend.h"
#include "decode/nvdec/gpu_device.h"

namespace odvd {

class FfmpegNvdecBackend final : public DecoderBackend {
 public:
  explicit FfmpegNvdecBackend(std::shared_ptr<GpuDevice> gpu, size_t max_decoders = 32);
  ~FfmpegNvdecBackend() override;

  const char* name() const override { return "ffmpeg"; }
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
  size_t max_decoders_;
  std::mutex mutex_;
  std::list<std::unique_ptr<Decoder>> idle_;  // most recently given back first
};

// Whether this FFmpeg can decode `codec` through NVDEC (a decoder with a CUDA hardware config).
bool ffmpeg_has_nvdec(Codec codec);

}  // namespace odvd
