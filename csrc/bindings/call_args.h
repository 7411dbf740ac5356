// What the decoding bindings share: their argument checks, the output-format names, and running the
// decode without the GIL (then the conversion with output options, if any) and turning its frames
// into Python objects (DecodedFrameExt for native frames, RGBFrame for RGB/BGR).
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "frames/frame.h"
#include "frames/frame_convert.h"

namespace odvd::bindings {

// ValueError when the two lists differ in length.
void check_lengths(size_t paths, size_t ids);
// "native", "rgb" or "bgr".
OutputFormat output_of(const std::string& s);
pybind11::list to_python(std::vector<FramePtr> frames);

// The format `work` must produce for `output` with `options` (native when the options need the
// conversion of frames/frame_convert); invalid_argument for options with native output.
OutputFormat work_format(OutputFormat out, const OutputOptions* options);

// A decoding call: `work(format)` runs without the GIL for the format named by `output`; with
// output options (not plain) it decodes native frames that engine.convert turns into the output.
// The frames come back as Python objects.
template <typename Engine, typename Work>
pybind11::list decode_without_gil(const std::string& output, const OutputOptions* options, Engine& engine,
                                  Work&& work) {
  const OutputFormat out = output_of(output);
  const OutputFormat format = work_format(out, options);
  std::vector<FramePtr> frames;
  {
    pybind11::gil_scoped_release release;
    frames = work(format);
    if (format != out) frames = engine.convert(frames, out == OutputFormat::kBGR, *options);
  }
  return to_python(std::move(frames));
}

}  // namespace odvd::bindings
