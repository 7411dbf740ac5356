// Native frames (NV12 / P016) -> RGB or BGR with output options: size (bilinear resize fused into the
// conversion), layout HWC or CHW, uint8 or float32 normalised by per-channel mean and std, and a
// batch stacked into one contiguous block. The per-pixel formulas are convert/resize_convert.h's,
// shared with the CUDA kernel; docs/color.md section 7 states them.
#pragma once

#include <cstdint>
#include <vector>

#include "convert/resize_convert.h"
#include "frames/frame.h"
#include "frames/block_pool.h"

namespace odvd {

struct OutputOptions {
  int32_t width = 0;   // output size; 0 x 0: each frame's own size
  int32_t height = 0;
  bool planar = false;   // CHW instead of HWC
  bool float32 = false;  // float32 (level / 255 - mean) / std instead of uint8 levels
  float mean[3] = {0.f, 0.f, 0.f};  // per output channel (B, G, R order for BGR output)
  float std[3] = {1.f, 1.f, 1.f};
  bool stack = false;  // one frame of shape (N, ...) instead of N frames
  bool chroma_bilinear = false;  // bilinear 4:2:0 chroma with the frame's siting instead of nearest

  // The plain RGB output (each frame HWC uint8 at its own size): the engines' direct path.
  bool plain() const { return width == 0 && height == 0 && !planar && !float32 && !stack && !chroma_bilinear; }
  // std::invalid_argument for a size with one side 0, a negative or oversized side (> 16384), a
  // std of 0 or non-finite mean/std, or mean/std other than 0/1 with uint8 output.
  void validate() const;
};

// Shape of one converted frame: (H, W, 3) or (3, H, W).
std::vector<int64_t> output_shape(const Frame& native, const OutputOptions& o);

// The per-pixel arguments for converting `native` into `out` (a block laid out as output_shape
// says, C-contiguous). scale and bias fold 1 / (255 * 2^kLevelShift), mean and std into one fmaf.
color::ResizeConvertArgs convert_args(const Frame& native, bool bgr, const OutputOptions& o, uint8_t* out);

// The outputs of a conversion, before their pixels are written: each frame's shape and where it
// goes (one block per frame, or one block for a stack), elem = bytes per sample.
struct OutputPlan {
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::shared_ptr<uint8_t>> blocks;
  std::vector<uint8_t*> outs;
  int32_t elem = 1;
};
// Checks the options (and, with stack, that the shapes agree: invalid_argument naming them) and
// takes the output blocks from `pool` (host or device memory).
OutputPlan plan_outputs(const std::vector<FramePtr>& natives, const OutputOptions& o, BlockPool& pool);
// The frames of a written plan: metadata (frame_id, pts, time base, colour, device) from the natives.
std::vector<FramePtr> finish_outputs(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& o,
                                     const OutputPlan& plan);

// Converts host native frames on `threads` threads (frames, and bands of rows, in parallel). With
// o.stack the result is one frame whose shape has a leading N (invalid_argument if the frames'
// output shapes differ: pass a size). Metadata (frame_id, pts, time base, colour) carries over.
std::vector<FramePtr> convert_frames(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& o,
                                     BlockPool& pool, int threads);

}  // namespace odvd
