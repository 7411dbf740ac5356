// What the two GPU backends (cuvid_backend, ffmpeg_nvdec_backend) share: one GPU's GpuDevice (frame
// memory, kernels), idle decoders kept between calls (the least recently used going first past a
// bound), and conversion and copies on the device. A backend says only which idle decoder suits a
// stream and how to make a new one.
//
// NOT YET RUN ON A GPU (docs/validation/gpu.md).
#pragma once

#include <list>
#include <memory>
#include <mutex>

#include "decode/backend.h"
#include "decode/nvdec/gpu_device.h"

namespace odvd {

class GpuBackend : public DecoderBackend {
 public:
  ~GpuBackend() override;

  int device() const override { return gpu_->index(); }
  std::unique_ptr<Decoder> take(const StreamParams& params, const std::string& context, int threads) final;
  void give_back(std::unique_ptr<Decoder> decoder) noexcept final;
  std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& options,
                                int threads) final;
  FramePtr copy(const Frame& frame) final { return gpu_->copy(frame); }
  void release_decoders() final;
  void release_memory() final { gpu_->pool().trim(); }

 protected:
  using Idle = std::list<std::unique_ptr<Decoder>>;  // most recently given back first

  GpuBackend(std::shared_ptr<GpuDevice> gpu, bool strict, size_t max_idle)
      : DecoderBackend(strict), gpu_(std::move(gpu)), max_idle_(max_idle) {}
  // The idle decoder that suits `params` best, or idle.end() (called under the lock).
  virtual Idle::iterator pick(Idle& idle, const StreamParams& params) = 0;
  // A new decoder for `params`' codec (runtime_error when the device cannot decode it).
  virtual std::unique_ptr<Decoder> create(const StreamParams& params) = 0;

  std::shared_ptr<GpuDevice> gpu_;

 private:
  size_t max_idle_;
  std::mutex mutex_;
  Idle idle_;
};

}  // namespace odvd
