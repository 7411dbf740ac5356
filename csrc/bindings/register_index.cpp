// `_index_report(path, direct_mp4)`: what the engine learns when it opens a file (stream parameters and
// every sample of the StreamIndex), for tests and tools. With direct_mp4=False the file goes through
// libavformat's demuxer, so tests can hold the direct MP4 reader to libavformat's answer.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/register.h"
#include "demux/video_file.h"

namespace py = pybind11;

namespace odvd::bindings {

void register_index(py::module_& m) {
  m.def(
      "_index_report",
      [](const std::string& path, bool direct_mp4) {
        std::unique_ptr<VideoFile> file;
        {
          py::gil_scoped_release release;
          file = std::make_unique<VideoFile>(path, direct_mp4);
        }
        const StreamParams& p = file->params();
        py::dict params;
        params["codec"] = static_cast<int>(p.codec);
        params["ff_codec_id"] = p.ff_codec_id;
        params["width"] = p.width;
        params["height"] = p.height;
        params["coded_width"] = p.coded_width;
        params["coded_height"] = p.coded_height;
        params["bit_depth"] = p.bit_depth;
        params["chroma_format"] = p.chroma_format;
        params["color_space"] = p.color_space;
        params["color_range"] = p.color_range;
        params["color_primaries"] = p.color_primaries;
        params["color_trc"] = p.color_trc;
        params["time_base"] = py::make_tuple(p.time_base_num, p.time_base_den);
        params["frame_count"] = p.frame_count;
        params["extradata"] = py::bytes(reinterpret_cast<const char*>(p.extradata.data()), p.extradata.size());
        const auto& samples = file->index().samples();
        const auto n = static_cast<py::ssize_t>(samples.size());
        py::array_t<int64_t> pos(n), size(n), pts(n), dts(n), flags(n), frame_id(n);
        for (py::ssize_t i = 0; i < n; ++i) {
          const Sample& s = samples[static_cast<size_t>(i)];
          pos.mutable_at(i) = s.pos;
          size.mutable_at(i) = s.size;
          pts.mutable_at(i) = s.pts;
          dts.mutable_at(i) = s.dts;
          flags.mutable_at(i) = s.flags;
          frame_id.mutable_at(i) = s.frame_id;
        }
        py::dict out;
        out["direct"] = file->indexed_directly();
        out["params"] = params;
        out["pos"] = pos;
        out["size"] = size;
        out["pts"] = pts;
        out["dts"] = dts;
        out["flags"] = flags;
        out["frame_id"] = frame_id;
        return out;
      },
      py::arg("path"), py::arg("direct_mp4") = true);
}

}  // namespace odvd::bindings
