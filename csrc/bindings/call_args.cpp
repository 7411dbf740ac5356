#include "bindings/call_args.h"

#include <memory>
#include <stdexcept>

#include "bindings/frame_objects.h"

namespace py = pybind11;

namespace odvd::bindings {

void check_lengths(size_t paths, size_t ids) {
  if (paths != ids) {
    throw std::invalid_argument("filepaths and frame_ids differ in length (" + std::to_string(paths) + " vs " +
                                std::to_string(ids) + ")");
  }
}

OutputFormat output_of(const std::string& s) {
  if (s == "native") return OutputFormat::kNative;
  if (s == "rgb") return OutputFormat::kRGB;
  if (s == "bgr") return OutputFormat::kBGR;
  throw std::invalid_argument("output must be 'native', 'rgb' or 'bgr', not '" + s + "'");
}

OutputFormat work_format(OutputFormat out, const OutputOptions* options) {
  if (!options || options->plain()) return out;
  // Options come from _OutputOptions, checked when constructed (and read-only from Python).
  if (out == OutputFormat::kNative) throw std::invalid_argument("output options apply to RGB / BGR output only");
  return OutputFormat::kNative;
}

py::list to_python(std::vector<FramePtr> frames) {
  py::list out;
  for (auto& f : frames) {
    if (f->layout == FrameLayout::kRGB || f->layout == FrameLayout::kBGR) {
      out.append(py::cast(std::make_shared<RGBFrame>(RGBFrame{std::move(f)})));
    } else {
      out.append(py::cast(std::make_shared<DecodedFrameExt>(DecodedFrameExt{std::move(f)})));
    }
  }
  return out;
}

}  // namespace odvd::bindings
