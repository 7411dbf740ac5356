// A returned frame: pixels in a reference-counted host block plus what describes them. Native frames
// are NV12 / P016 (docs/design.md "Native output"): shape (height + (height+1)/2, width) with the luma
// rows, then rows of interleaved U,V; P016 samples are little-endian uint16 with the value in the
// high bits. RGB frames are HWC uint8 by default; with output options (frames/frame_convert.h) they
// may be CHW, float32, resized, or a batch of frames stacked along a leading axis.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace odvd {

enum class FrameLayout : int32_t { kNV12 = 0, kP016 = 1, kRGB = 2, kBGR = 3 };

// What a decoding call returns: native planes (NV12 / P016) or RGB / BGR converted with the stream's
// own matrix and range.
enum class OutputFormat { kNative, kRGB, kBGR };

struct Frame {
  std::shared_ptr<uint8_t> data;  // owns the pixels (BlockPool block; device memory when device >= 0)
  int32_t device = -1;            // -1: host memory; >= 0: memory of that CUDA device
  uint64_t stream = 0;            // device frames: the CUstream that wrote them (work on it is finished)
  std::shared_ptr<void> stream_owner;  // keeps that stream alive as long as the frame (a consumer may wait on it)
  FrameLayout layout = FrameLayout::kNV12;
  int32_t width = 0;               // picture size
  int32_t height = 0;
  int32_t bit_depth = 8;           // of the decoded samples (a native frame's own; an RGB frame's source)
  std::vector<int64_t> shape;      // array shape
  std::vector<int64_t> strides;    // in bytes
  int32_t itemsize = 1;            // 1 (uint8), 2 (uint16) or 4 (float32)
  bool floating = false;           // float32 samples (itemsize 4)
  bool planar = false;             // RGB as CHW (channel planes) rather than HWC
  int64_t frame_id = -1;
  int64_t pts = 0;                 // in the stream's time base
  // A stack of frames (shape (N, ...)): each frame's id and pts; empty for a single frame.
  std::vector<int64_t> stacked_ids;
  std::vector<int64_t> stacked_pts;
  int32_t time_base_num = 1;
  int32_t time_base_den = 1;
  int32_t color_matrix = 0;        // odvd::color::Matrix used / to use for RGB
  int32_t color_range = 0;         // odvd::color::Range
  int32_t chroma_siting = 1;       // odvd::color::ChromaSiting of the chroma samples (bilinear upsampling)
  // Whether the stream says its range (bitstream or container); false: limited was assumed. A stack:
  // whether every frame's stream does.
  bool color_range_signalled = true;
  // The decoder reported errors decoding it or a picture it depends on (libavcodec's decode error
  // flags, NVDEC's decode status): its pixels may be wrong. A stack: any frame's.
  bool corrupt = false;

  size_t bytes() const {
    size_t n = static_cast<size_t>(itemsize);
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    return n;
  }
};

using FramePtr = std::shared_ptr<Frame>;

}  // namespace odvd
