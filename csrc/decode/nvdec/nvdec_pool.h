// The GPU backend's shared state for one device: its primary context, a stream per concurrent
// decode, the frame memory pool (device blocks), the loaded kernels, and idle NVDEC sessions.
//
// Sessions are kept idle between calls, keyed by codec and preferring one already configured for
// the stream's bit depth and a coded size at least as large (it is reconfigured, not recreated, by
// NvdecDecoder's sequence callback); at most `max_sessions` are kept, the least recently used idle
// one going first. Files of a batch take separate sessions, so the GPU's NVDEC engines work in
// parallel.
//
// NOT YET RUN ON A GPU (docs/validation/gpu.md).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "common/stream_params.h"
#include "decode/nvdec/device_allocator.h"
#include "decode/nvdec/nvdec_decoder.h"
#include "frames/block_pool.h"
#include "frames/frame_convert.h"

namespace odvd {

class GpuDevice {
 public:
  // Retains device `index`'s primary context and loads the kernels; std::runtime_error (saying
  // which and what to do) when the driver, NVDEC or the kernels are not usable.
  explicit GpuDevice(int index, size_t max_sessions = 32);
  ~GpuDevice();

  int index() const { return ctx_->index(); }
  BlockPool& pool() { return *pool_; }

  // A session for `params`' codec, for exclusive use; give it back when done (a run that threw has
  // flushed it). Each session has its own stream. give_back does not throw (a session it cannot
  // keep is destroyed).
  std::unique_ptr<NvdecDecoder> take(const StreamParams& params);
  void give_back(std::unique_ptr<NvdecDecoder> d) noexcept;
  void release_decoders();  // destroys the idle sessions
  void release_memory();    // frees the idle device blocks

  // A frame with its own copy of the pixels (a frame asked for twice in one call).
  FramePtr copy(const Frame& f);
  // A host copy of device frame `f` (frame.cpu()), in `host`'s memory.
  static FramePtr to_host(const Frame& f, BlockPool& host);

  // Native device frames -> RGB / BGR on the GPU with `options` (plain when null), the kernels of
  // convert/ (odvd_yuv_to_rgb, odvd_resize_convert), on `stream` (a session's; null: the device's
  // own); returns when the frames are complete.
  std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions* options,
                                const StreamPtr& stream = nullptr);

 private:
  struct Idle {
    std::unique_ptr<NvdecDecoder> decoder;
    int bit_depth;
  };

  std::shared_ptr<cuda::PrimaryContext> ctx_;
  std::shared_ptr<BlockPool> pool_;
  size_t max_sessions_;
  CUmodule module_ = nullptr;
  CUfunction yuv_to_rgb_ = nullptr;
  CUfunction resize_convert_ = nullptr;
  StreamPtr convert_stream_;  // conversions and copies outside a session
  std::mutex mutex_;
  std::list<Idle> idle_;              // most recently given back first
  std::vector<StreamPtr> free_streams_;  // of sessions destroyed, for the next ones
};

}  // namespace odvd
