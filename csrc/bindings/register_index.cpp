// `_index_report(path, direct_mp4)`: what the engine learns when it opens a file (stream parameters and
// every sample of the StreamIndex), for tests and tools. With direct_mp4=False the file goes through
// libavformat's demuxer, so tests can hold the direct MP4 reader to libavformat's answer.
// `_GopEngine.gop_table(key)`: every GOP of a cached file as bundles carry them (the dataset catalogue).
#include <algorithm>
#include <climits>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/register.h"
#include "bindings/stream_params_dict.h"
#include "demux/demuxer.h"
#include "demux/gop_reader.h"
#include "demux/video_file.h"

namespace py = pybind11;

namespace odvd::bindings {

py::dict index_report(const VideoFile& file) {
  const auto& samples = file.index().samples();
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
  out["direct"] = file.indexed_directly();
  out["params"] = params_dict(file.params());
  out["pos"] = pos;
  out["size"] = size;
  out["pts"] = pts;
  out["dts"] = dts;
  out["flags"] = flags;
  out["frame_id"] = frame_id;
  return out;
}

py::dict gop_table(const GopReader& reader) {
  const auto& samples = reader.file().index().samples();
  std::vector<GopSpan> spans;
  {
    py::gil_scoped_release release;
    spans = gop_spans(reader.sequence());
  }
  const auto n = static_cast<py::ssize_t>(spans.size());
  py::array_t<int64_t> first_frame_id(n), gop_len(n), key_packet(n), first_packet(n), end_packet(n), src_offset(n),
      src_length(n);
  for (py::ssize_t g = 0; g < n; ++g) {
    const GopSpan& s = spans[static_cast<size_t>(g)];
    first_frame_id.mutable_at(g) = s.first_frame_id;
    gop_len.mutable_at(g) = s.gop_len;
    key_packet.mutable_at(g) = s.key;
    first_packet.mutable_at(g) = s.first;
    end_packet.mutable_at(g) = s.end;
    // The GOP's own packets (key frame to the next key frame) in the file: [min pos, max pos + size);
    // -1 when a packet's position is unknown.
    int64_t lo = INT64_MAX, hi = -1;
    for (int32_t i = s.key; i < s.end; ++i) {
      const Sample& x = samples[static_cast<size_t>(i)];
      if (x.pos < 0) {
        lo = -1;
        break;
      }
      lo = std::min(lo, x.pos);
      hi = std::max(hi, x.pos + x.size);
    }
    src_offset.mutable_at(g) = lo < 0 ? -1 : lo;  // a GOP has its key packet at least (end > key)
    src_length.mutable_at(g) = lo < 0 ? -1 : hi - lo;
  }
  py::dict out;
  out["first_frame_id"] = first_frame_id;
  out["gop_len"] = gop_len;
  out["key_packet"] = key_packet;
  out["first_packet"] = first_packet;
  out["end_packet"] = end_packet;
  out["src_offset"] = src_offset;
  out["src_length"] = src_length;
  return out;
}

void register_index(py::module_& m) {
  m.def(
      "_index_report",
      [](const std::string& path, bool direct_mp4) {
        std::unique_ptr<VideoFile> file;
        {
          py::gil_scoped_release release;
          file = std::make_unique<VideoFile>(path, direct_mp4);
        }
        return index_report(*file);
      },
      py::arg("path"), py::arg("direct_mp4") = true);
  m.def(
      "_streams",
      [](const std::string& path) {
        std::vector<StreamEntry> streams;
        int best = -1;
        {
          py::gil_scoped_release release;
          const Demuxer demuxer(parse_source_key(path).path);
          streams = demuxer.streams();
          best = demuxer.stream()->index;  // the video stream decoders take without a stream_index
        }
        py::list out;
        for (const StreamEntry& e : streams) {
          py::dict d;
          d["index"] = e.index;
          d["kind"] = e.kind;
          d["codec"] = e.codec;
          if (e.kind == "video") {
            d["width"] = e.width;
            d["height"] = e.height;
          }
          d["best"] = e.index == best;
          out.append(d);
        }
        return out;
      },
      py::arg("path"), "Every stream of the container at `path`: index, kind, codec (and size for video), and best: the default.");
}

}  // namespace odvd::bindings
