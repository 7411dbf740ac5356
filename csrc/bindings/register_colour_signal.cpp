// `_colour_signal(codec, data)`: the colour description a bitstream signals itself
// (demux/colour_signal.h), for tests: tests/test_colour_signal.py holds it to ffprobe.
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "bindings/register.h"
#include "demux/colour_signal.h"

namespace py = pybind11;

namespace odvd::bindings {

namespace {

Codec parse_codec(const std::string& name) {
  if (name == "h264") return Codec::kH264;
  if (name == "hevc") return Codec::kHEVC;
  if (name == "vp9") return Codec::kVP9;
  if (name == "av1") return Codec::kAV1;
  throw std::invalid_argument("codec='" + name + "' is not one of 'h264', 'hevc', 'vp9', 'av1'");
}

}  // namespace

void register_colour_signal(py::module_& m) {
  m.def(
      "_colour_signal",
      [](const std::string& codec, const py::bytes& data) {
        const Codec c = parse_codec(codec);
        const std::string_view bytes = data;
        const auto s = bitstream::colour_signal(c, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        py::dict out;
        out["matrix"] = s.matrix;
        out["primaries"] = s.primaries;
        out["transfer"] = s.transfer;
        out["range"] = s.range;
        return out;
      },
      py::arg("codec"), py::arg("data"));
}

}  // namespace odvd::bindings
