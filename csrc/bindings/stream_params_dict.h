// A stream's parameters as a Python dict (the index report, stream facts).
#pragma once

#include <pybind11/pybind11.h>

#include "common/stream_params.h"

namespace odvd::bindings {

// codec, ff_codec_id, width, height, coded_width, coded_height, bit_depth, chroma_format, color_space,
// color_range, color_primaries, color_trc, chroma_location, time_base (num, den), frame_count,
// stream_index, rotation (None without a display matrix), extradata (bytes).
pybind11::dict params_dict(const StreamParams& p);

}  // namespace odvd::bindings
