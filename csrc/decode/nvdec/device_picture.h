// A picture NVDEC decoded, as both GPU backends hand it out: the decoder's surface (pitch-linear NV12
// or P016 in device memory, coded size) copied into a native frame of the CPU backend's layout
// (docs/design.md "Native output": the display area cropped out, tightly packed rows, an odd width padded by
// repeating its last sample), then converted to RGB / BGR on demand by the device's kernels.
//
// NOT YET RUN ON A GPU (docs/validation/gpu.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/stream_params.h"
#include "decode/backend.h"
#include "decode/nvdec/gpu_device.h"

namespace odvd {

// Where a decoded picture lies in device memory.
struct Surface {
  uint64_t luma = 0;          // CUdeviceptr of the luma plane's first row
  size_t luma_pitch = 0;      // bytes between rows
  uint64_t chroma = 0;        // CUdeviceptr of the interleaved chroma plane's first row
  size_t chroma_pitch = 0;
  int32_t left = 0;           // display area origin inside the surface
  int32_t top = 0;
  uint32_t width = 0;         // display size = the frame's size
  uint32_t height = 0;
  int bit_depth = 8;          // > 8: 16-bit samples, value in the high bits (P016 / P010)
};

// Enqueues the copy of `s` into a new native frame from `gpu`'s pool on `stream` (not synchronised).
// The frame says its device, stream, layout and size, and the stream's colour and time base (`params`:
// resolved once per stream on the host, never from the decoder's per-picture state).
FramePtr copy_surface(const Surface& s, GpuDevice& gpu, const StreamPtr& stream, const StreamParams& params,
                      const std::string& context);

// The common part of a GPU picture: frame(out) is the native frame, converted when RGB / BGR is asked
// for; keep() holds the native frame (the decoder's surface goes back at once).
class DevicePicture : public DecodedPicture {
 public:
  DevicePicture(GpuDevice& gpu, StreamPtr stream) : gpu_(gpu), stream_(std::move(stream)) {}
  FramePtr frame(OutputFormat out) override;
  std::unique_ptr<DecodedPicture> keep() override;

 protected:
  // The picture as a native frame, complete (its stream synchronised).
  virtual FramePtr native() = 0;
  GpuDevice& gpu_;
  StreamPtr stream_;
};

}  // namespace odvd
