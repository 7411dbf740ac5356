// What the decoding bindings share: their argument checks, the output-format names, and turning a
// call's frames into Python objects (DecodedFrameExt for native frames, RGBFrame for RGB/BGR).
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "frames/frame.h"
#include "frames/frame_builder.h"

namespace odvd::bindings {

// ValueError when the two lists differ in length.
void check_lengths(size_t paths, size_t ids);
// "native", "rgb" or "bgr".
OutputFormat output_of(const std::string& s);
pybind11::list to_python(std::vector<FramePtr> frames);

}  // namespace odvd::bindings
