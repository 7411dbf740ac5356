// What the decoding bindings share: their argument checks, the output-format names, and running the
// decode without the GIL and turning its frames into Python objects (DecodedFrameExt for native
// frames, RGBFrame for RGB/BGR).
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

// A decoding call: `work(format)` runs without the GIL for the format named by `output`, and its
// frames come back as Python objects.
template <typename Work>
pybind11::list decode_without_gil(const std::string& output, Work&& work) {
  const OutputFormat out = output_of(output);
  std::vector<FramePtr> frames;
  {
    pybind11::gil_scoped_release release;
    frames = work(out);
  }
  return to_python(std::move(frames));
}

}  // namespace odvd::bindings
