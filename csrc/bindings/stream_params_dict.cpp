#include "bindings/stream_params_dict.h"

#include <cmath>

namespace py = pybind11;

namespace odvd::bindings {

py::dict params_dict(const StreamParams& p) {
  py::dict d;
  d["codec"] = static_cast<int>(p.codec);
  d["ff_codec_id"] = p.ff_codec_id;
  d["width"] = p.width;
  d["height"] = p.height;
  d["coded_width"] = p.coded_width;
  d["coded_height"] = p.coded_height;
  d["bit_depth"] = p.bit_depth;
  d["chroma_format"] = p.chroma_format;
  d["color_space"] = p.color_space;
  d["color_range"] = p.color_range;
  d["color_primaries"] = p.color_primaries;
  d["color_trc"] = p.color_trc;
  d["chroma_location"] = p.chroma_location;
  d["time_base"] = py::make_tuple(p.time_base_num, p.time_base_den);
  d["frame_count"] = p.frame_count;
  d["stream_index"] = p.stream_index;
  d["rotation"] = std::isnan(p.rotation) ? py::object(py::none()) : py::object(py::float_(p.rotation));
  d["extradata"] = py::bytes(reinterpret_cast<const char*>(p.extradata.data()), p.extradata.size());
  return d;
}

}  // namespace odvd::bindings
