// One GPU as both GPU backends (cuvid, FFmpeg-NVDEC) use it: its primary context (the one PyTorch and
// the runtime API use), the frame memory pool (device blocks, stream-ordered reuse), the loaded
// kernels and the conversions and copies built on them. One per device per process (GpuDevice::get),
// shared by every decoder object on that device; it lives while any backend holds it.
//
// NOT YET RUN ON A GPU (docs/validation/gpu.md).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "decode/nvdec/device_allocator.h"
#include "frames/block_pool.h"
#include "frames/frame_convert.h"
#include "runtime/cuda_context.h"

namespace odvd {

class GpuDevice {
 public:
  // The process's GpuDevice for device `index`, created on first use: retains the primary context and
  // loads the kernels. std::runtime_error (saying which and what to do) when the driver, NVDEC or the
  // kernels are not usable.
  static std::shared_ptr<GpuDevice> get(int index);
  ~GpuDevice();
  GpuDevice(const GpuDevice&) = delete;
  GpuDevice& operator=(const GpuDevice&) = delete;

  int index() const { return ctx_->index(); }
  const std::shared_ptr<cuda::PrimaryContext>& context() const { return ctx_; }
  BlockPool& pool() { return *pool_; }
  // A new non-blocking stream in this device's context (one per decoding session).
  StreamPtr new_stream() const { return make_stream(ctx_); }

  // A frame with its own copy of the pixels (a frame asked for twice in one call); complete on return.
  FramePtr copy(const Frame& f);
  // A host copy of device frame `f` (frame.cpu()), in `host`'s memory.
  static FramePtr to_host(const Frame& f, BlockPool& host);

  // Native device frames -> RGB / BGR with `options` (plain when null), with the kernels of convert/
  // (odvd_yuv_to_rgb, odvd_resize_convert), on `stream` (a session's; null: the device's own); returns
  // when the frames are complete.
  std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions* options,
                                const StreamPtr& stream = nullptr);

 private:
  explicit GpuDevice(int index);

  std::shared_ptr<cuda::PrimaryContext> ctx_;
  std::shared_ptr<BlockPool> pool_;
  CUmodule module_ = nullptr;
  CUfunction yuv_to_rgb_ = nullptr;
  CUfunction resize_convert_ = nullptr;
  StreamPtr own_stream_;  // conversions and copies outside a session
};

}  // namespace odvd
