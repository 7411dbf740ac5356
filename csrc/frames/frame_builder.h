// Decoded AVFrame -> returned Frame: native NV12 / P016 (docs/design.md), and native -> RGB/BGR with the
// stream's own matrix and range (convert/, docs/color.md).
#pragma once

#include <cstdint>

#include "common/ffmpeg.h"
#include "common/stream_params.h"
#include "frames/frame.h"
#include "frames/block_pool.h"

namespace odvd {

// Builds the requested output of `src` (a decoded picture); `params` supplies the stream's colour
// description (resolved from the bitstream and the container: demux/colour_signal.h) and time base. Throws invalid_argument for pixel
// formats other than 4:2:0 at 8/10/12 bits.
// `threads`: threads an RGB / BGR conversion of a large frame may use (the decoder's own).
FramePtr build_frame(const AVFrame* src, const StreamParams& params, OutputFormat out, BlockPool& pool,
                     const std::string& context, int threads = 1);

// Whether libavcodec reported errors for this picture (decode error flags, or flagged corrupt: a
// missing reference, concealment).
inline bool decoded_with_errors(const AVFrame* f) { return f->decode_error_flags != 0 || (f->flags & AV_FRAME_FLAG_CORRUPT); }

// A frame with its own copy of the pixels (a frame asked for twice in one call).
FramePtr copy_frame(const Frame& f, BlockPool& pool);

}  // namespace odvd
