// Test hooks for the bitstream readers of demux/, each held to ffprobe by its tests:
// `_colour_signal(codec, data)`: the colour description a bitstream signals itself (demux/colour_signal.h,
// tests/test_colour_signal.py); `_key_frame(codec, data)`: whether a packet is a key frame by its own
// bitstream (demux/key_frame.h, tests/test_key_frame.py).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bindings/register.h"
#include "demux/colour_signal.h"
#include "demux/key_frame.h"
#include "demux/references.h"

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

void register_bitstream(py::module_& m) {
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
        out["chroma_location"] = s.chroma_location;
        out["bit_depth"] = s.bit_depth;
        out["chroma_format"] = s.chroma_format;
        return out;
      },
      py::arg("codec"), py::arg("data"));
  m.def(
      "_key_frame",
      [](const std::string& codec, const py::bytes& data) -> std::optional<bool> {
        const Codec c = parse_codec(codec);
        const std::string_view bytes = data;
        switch (bitstream::key_frame(c, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) {
          case bitstream::KeyFrame::kYes: return true;
          case bitstream::KeyFrame::kNo: return false;
          case bitstream::KeyFrame::kUnknown: break;
        }
        return std::nullopt;
      },
      py::arg("codec"), py::arg("data"),
      "True / False: whether the packet (Annex-B for h264 / hevc) is a key frame by its bitstream; None: it cannot say.");
  m.def(
      "_reference_lists",
      [](int codec, const std::vector<py::bytes>& packets) {
        std::vector<std::string> owned;
        for (const auto& p : packets) owned.push_back(p);
        std::vector<PacketBytes> bytes;
        for (const auto& p : owned) bytes.emplace_back(reinterpret_cast<const uint8_t*>(p.data()), p.size());
        const ReferenceLists lists = read_reference_lists(static_cast<Codec>(codec), bytes);
        py::list out;
        for (size_t i = 0; i < lists.size(); ++i) {
          if (!lists.known[i]) {
            out.append(py::none());
            continue;
          }
          py::list refs;
          for (uint32_t k = lists.row[i]; k < lists.row[i + 1]; ++k) refs.append(lists.refs[k]);
          out.append(refs);
        }
        return out;
      },
      py::arg("codec"), py::arg("packets"),
      "Test hook: each packet's references (decode indices) read from its bitstream (demux/references.h); None "
      "where unknown; an empty list of lists for a codec that is not analysed.");
}

}  // namespace odvd::bindings
