// The GOP engine for Python: `_GopEngine` (wrapped by on_demand_video_decoder.PyNvGopDecoder) and
// the bundle functions. Every call that reads, decodes, parses or writes releases the GIL; Python
// objects are only touched before and after.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "bindings/call_args.h"
#include "bindings/frame_objects.h"
#include "bindings/register.h"
#include "bindings/stream_params_dict.h"
#include "bundle/bundle.h"
#include "bundle/bundle_buffers.h"
#include "bundle/bundle_file.h"
#include "bundle/checksum.h"
#include "decode/backend.h"
#include "engine/gop_engine.h"
#include "frames/block_pool.h"
#include "gop/gop_plan.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

using ByteArray = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>;

// The name of the capsules that own bundle buffers (the arrays' `base`).
constexpr const char* kBufferCapsule = "odvd.bundle_buffer";

// A NumPy array over `size` bytes of `buffer` that keeps the buffer alive (no copy).
ByteArray owning_array(std::shared_ptr<uint8_t> buffer, size_t size) {
  auto* holder = new std::shared_ptr<uint8_t>(std::move(buffer));
  py::capsule owner(holder, kBufferCapsule, [](void* p) { delete static_cast<std::shared_ptr<uint8_t>*>(p); });
  return ByteArray({static_cast<py::ssize_t>(size)}, {py::ssize_t(1)}, holder->get(), owner);
}

// The pooled buffer behind `arr`, if an engine call returned it (its base is our capsule), else null.
const std::shared_ptr<uint8_t>* buffer_of(const py::array& arr) {
  py::object base = arr.base();
  if (!base || !PyCapsule_IsValid(base.ptr(), kBufferCapsule)) return nullptr;
  return static_cast<const std::shared_ptr<uint8_t>*>(PyCapsule_GetPointer(base.ptr(), kBufferCapsule));
}

// A new read-only array over the same bytes as `arr` (an engine array), owning its own reference to
// the buffer: nothing reachable from it (its base is an opaque capsule) leads back to `arr`.
ByteArray shared_read_only(const py::array& arr) {
  const std::shared_ptr<uint8_t>* buffer = buffer_of(arr);
  if (!buffer || arr.ndim() != 1 || arr.data() != buffer->get()) {
    throw std::invalid_argument("_share: not a bundle array returned by the engine");
  }
  ByteArray out = owning_array(*buffer, static_cast<size_t>(arr.size()));
  out.attr("setflags")(py::arg("write") = false);
  return out;
}

// The bytes of memory `arr` keeps alive: the whole pooled buffer of an array GetGOP / GetGOPList /
// the bundle functions returned (it may be larger than the bundle), else the array's own bytes.
size_t held_bytes(const py::array& arr) {
  if (const std::shared_ptr<uint8_t>* buffer = buffer_of(arr)) {
    if (size_t n = BlockPool::block_bytes(*buffer)) return n;
  }
  return static_cast<size_t>(arr.nbytes());
}

// Serializes `entries` as one bundle (without the GIL) into a new pooled buffer and returns it as a
// NumPy array.
ByteArray to_array(const std::vector<bundle::EntryView>& entries) {
  const size_t size = bundle::serialized_size(entries);
  std::shared_ptr<uint8_t> buffer;
  {
    py::gil_scoped_release release;
    buffer = bundle::acquire_buffer(size);
    bundle::serialize(entries, buffer.get(), size);
  }
  return owning_array(std::move(buffer), size);
}

// GetGOP's (bundle, first_frame_ids, gop_lens). A single GOP is the bundle the engine wrote (and
// checked) in the buffer it was read into (`in_place`); several are copied into a new buffer.
py::tuple gop_tuple(const std::vector<std::shared_ptr<ExtractedGop>>& gops, bool in_place) {
  std::vector<bundle::EntryView> entries;
  std::vector<int64_t> first, lens;
  for (const auto& g : gops) {
    entries.push_back(g->view);
    first.push_back(g->view.first_frame_id);
    lens.push_back(g->view.gop_len);
  }
  ByteArray data = in_place ? owning_array(gops.front()->buffer, gops.front()->size) : to_array(entries);
  return py::make_tuple(data, first, lens);
}

// GetGOP / GetGOPList: one extracted GOP per request, read without the GIL.
std::vector<std::shared_ptr<ExtractedGop>> extract(GopEngine& e, const std::vector<std::string>& paths,
                                                   const std::vector<int64_t>& ids, bool with_references) {
  check_lengths(paths.size(), ids.size());
  py::gil_scoped_release release;
  return e.extract(paths, ids, with_references);
}

std::vector<bundle::EntryView> parse_all(const std::vector<ByteArray>& arrays) {
  std::vector<std::pair<const uint8_t*, size_t>> spans;
  for (const auto& a : arrays) spans.emplace_back(a.data(), static_cast<size_t>(a.size()));
  py::gil_scoped_release release;
  std::vector<bundle::EntryView> entries;
  for (const auto& s : spans) {
    auto e = bundle::parse(s.first, s.second);
    for (auto& x : e) entries.push_back(std::move(x));
  }
  return entries;
}

}  // namespace

void register_gop_decoder(py::module_& m) {
  py::class_<GopEngine, std::shared_ptr<GopEngine>>(m, "_GopEngine")
      .def(py::init([](size_t maxfiles, int threads, int device, const std::string& gpu_backend, bool strict) {
             return std::make_shared<GopEngine>(maxfiles, threads,
                                                make_backend(device, {gpu_backend_kind(gpu_backend), strict}));
           }),
           py::arg("maxfiles"), py::arg("threads") = 0, py::arg("device") = -1, py::arg("gpu_backend") = "cuvid",
           py::arg("strict") = false)
      .def_property_readonly("device", &GopEngine::device)
      .def_property_readonly("backend", &GopEngine::backend_name)
      .def("decode",
           [](GopEngine& e, const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
              const std::string& output, const OutputOptions* options) {
             check_lengths(paths.size(), ids.size());
             return decode_without_gil(output, options, e,
                                       [&](OutputFormat out) { return e.decode_files(paths, ids, out); });
           },
           py::arg("filepaths"), py::arg("frame_ids"), py::arg("output"), py::arg("options") = nullptr)
      .def("get_gop",
           [](GopEngine& e, const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
              bool with_references) {
             const auto gops = extract(e, paths, ids, with_references);
             return gop_tuple(gops, gops.size() == 1);
           },
           py::arg("filepaths"), py::arg("frame_ids"), py::arg("with_references") = false)
      .def("get_gop_list",
           [](GopEngine& e, const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
              bool with_references) {
             py::list out;
             std::set<const ExtractedGop*> serialized;  // a GOP asked for twice is copied the second time
             for (const auto& g : extract(e, paths, ids, with_references)) {
               out.append(gop_tuple({g}, serialized.insert(g.get()).second));
             }
             return out;
           },
           py::arg("filepaths"), py::arg("frame_ids"), py::arg("with_references") = false)
      .def("decode_bundles",
           [](GopEngine& e, const std::vector<ByteArray>& arrays, const std::vector<std::string>& paths,
              const std::vector<int64_t>& ids, const std::string& output, const OutputOptions* options,
              bool reference_closure) {
             check_lengths(paths.size(), ids.size());
             const std::vector<bundle::EntryView> entries = parse_all(arrays);
             return decode_without_gil(output, options, e, [&](OutputFormat out) {
               return e.decode_entries(entries, paths, ids, out, reference_closure);
             });
           },
           py::arg("bundles"), py::arg("filepaths"), py::arg("frame_ids"), py::arg("output"),
           py::arg("options") = nullptr, py::arg("reference_closure") = true)
      .def("decode_packet_lists",
           [](GopEngine& e, const std::vector<std::vector<ByteArray>>& datas,
              const std::vector<std::vector<int64_t>>& packet_idxs, const std::vector<int>& widths,
              const std::vector<int>& heights, const std::vector<int64_t>& frame_ids, const std::vector<int>& codecs,
              const std::string& output, const OutputOptions* options) {
             const size_t n = datas.size();
             if (packet_idxs.size() != n || widths.size() != n || heights.size() != n || frame_ids.size() != n ||
                 codecs.size() != n) {
               throw std::invalid_argument(
                   "numpy_datas, packet_idxs, widths, heights, frame_ids and the initialized codec_ids differ in length (" +
                   std::to_string(n) + ", " + std::to_string(packet_idxs.size()) + ", " + std::to_string(widths.size()) +
                   ", " + std::to_string(heights.size()) + ", " + std::to_string(frame_ids.size()) + ", " +
                   std::to_string(codecs.size()) + ")");
             }
             std::vector<PacketList> lists(n);
             for (size_t i = 0; i < n; ++i) {
               if (datas[i].empty()) throw std::invalid_argument("numpy_datas[" + std::to_string(i) + "] has no packets");
               if (packet_idxs[i].size() != datas[i].size()) {
                 throw std::invalid_argument("packet_idxs[" + std::to_string(i) + "] has " +
                                             std::to_string(packet_idxs[i].size()) + " entries for " +
                                             std::to_string(datas[i].size()) + " packets");
               }
               if (!codec_known(codecs[i])) throw std::invalid_argument("codec_id " + std::to_string(codecs[i]) + " unknown");
               PacketList& l = lists[i];
               for (const auto& a : datas[i]) {
                 if (a.size() == 0) throw std::invalid_argument("numpy_datas[" + std::to_string(i) + "] holds an empty packet");
                 l.packets.emplace_back(a.data(), static_cast<size_t>(a.size()));
               }
               l.frame_ids = packet_idxs[i];
               l.codec = static_cast<Codec>(codecs[i]);
               l.width = widths[i];
               l.height = heights[i];
               l.target = frame_ids[i];
               if (std::find(l.frame_ids.begin(), l.frame_ids.end(), l.target) == l.frame_ids.end()) {
                 throw std::invalid_argument("frame_ids[" + std::to_string(i) + "]=" + std::to_string(l.target) +
                                             " is not among packet_idxs[" + std::to_string(i) + "]");
               }
             }
             return decode_without_gil(output, options, e,
                                       [&](OutputFormat out) { return e.decode_packet_lists(lists, out); });
           },
           py::arg("numpy_datas"), py::arg("packet_idxs"), py::arg("widths"), py::arg("heights"),
           py::arg("frame_ids"), py::arg("codecs"), py::arg("output"), py::arg("options") = nullptr)
      .def("release_decoders", &GopEngine::release_decoders, py::call_guard<py::gil_scoped_release>())
      .def("release_memory", &GopEngine::release_memory, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("open_files", &GopEngine::open_files)
      .def(
          "index_report",
          [](GopEngine& e, const std::string& key) {
            std::shared_ptr<GopReader> reader;
            {
              py::gil_scoped_release release;
              reader = e.reader_of(key);
            }
            return index_report(reader->file());
          },
          py::arg("key"), "_index_report's dict from this decoder's cached file (opened and kept like a decode would).")
      .def(
          "gop_table",
          [](GopEngine& e, const std::string& key) {
            std::shared_ptr<GopReader> reader;
            {
              py::gil_scoped_release release;
              reader = e.reader_of(key);
            }
            return gop_table(*reader);
          },
          py::arg("key"),
          "Every GOP of this decoder's cached file, in decode order, as GetGOP would bundle it: arrays "
          "first_frame_id, gop_len, key_packet, first_packet (the previous GOP's key packet when open-GOP "
          "leading pictures need it), end_packet, and src_offset / src_length (the byte range of the GOP's "
          "own packets in the file; -1 where unknown).")
      .def("prefetch", &GopEngine::prefetch, py::arg("keys"), py::call_guard<py::gil_scoped_release>(),
           "Opens and indexes `keys` in parallel and keeps them (up to maxfiles); keys that cannot be opened "
           "are skipped (the next call asking for one raises its error).")
      .def("forget", &GopEngine::forget, py::arg("key"), "Drops what was opened under `key` (a source's call ended).")
      .def("stream_params",
           [](GopEngine& e, const std::string& path) {
             StreamParams p;
             {
               py::gil_scoped_release release;
               p = e.params_of(path);
             }
             return params_dict(p);
           },
           py::arg("path"))
      .def(
          "convert",
          [](GopEngine& e, const std::vector<DecodedFrameExt>& natives, const std::string& output,
             const OutputOptions* options) {
            const OutputFormat out = output_of(output);
            if (out == OutputFormat::kNative) throw std::invalid_argument("convert makes 'rgb' or 'bgr' frames");
            std::vector<FramePtr> frames;
            for (size_t i = 0; i < natives.size(); ++i) {
              const FramePtr& f = natives[i].frame;
              if (f->device != e.device()) {
                throw std::invalid_argument("frames[" + std::to_string(i) + "] is in " +
                                            (f->device < 0 ? std::string("host memory") : "cuda:" + std::to_string(f->device)) +
                                            ", this decoder converts in " +
                                            (e.device() < 0 ? std::string("host memory") : "cuda:" + std::to_string(e.device())));
              }
              frames.push_back(f);
            }
            const OutputOptions plain;
            std::vector<FramePtr> converted;
            {
              py::gil_scoped_release release;
              converted = e.convert(frames, out == OutputFormat::kBGR, options ? *options : plain);
            }
            return to_python(std::move(converted));
          },
          py::arg("frames"), py::arg("output"), py::arg("options") = nullptr,
          "Native frames (DecodedFrameExt, in this decoder's memory) to RGB / BGR with output options.")
      .def_property_readonly("packets_fed", &GopEngine::packets_fed)
      .def_property("reference_closure", &GopEngine::reference_closure, &GopEngine::set_reference_closure,
                    "Whether file decodes feed only the targets' reference closures (docs/reference-closure.md).");

  m.def("_parse_bundle", [](const ByteArray& arr) {
    std::vector<bundle::EntryView> entries = parse_all({arr});
    py::list ranges, codecs, widths, heights, sizes, gop_lens, firsts, datas, data_sizes, packet_bytes, decode_idxs;
    for (const auto& e : entries) {
      ranges.append(e.params.color_range);
      codecs.append(static_cast<int>(e.params.codec));
      widths.append(e.params.width);
      heights.append(e.params.height);
      sizes.append(e.payload_size);
      gop_lens.append(e.gop_len);
      firsts.append(e.first_frame_id);
      // A read-only view into the caller's array (which it keeps alive).
      py::array view(py::dtype("uint8"), {static_cast<py::ssize_t>(e.payload_size)}, {1}, e.payload, arr);
      py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
      datas.append(view);
      data_sizes.append(e.payload_size);
      py::list pb, di;
      for (const auto& p : e.packets) {
        pb.append(p.size);
        di.append(p.frame_id);
      }
      packet_bytes.append(pb);
      decode_idxs.append(di);
    }
    return py::make_tuple(ranges, codecs, widths, heights, sizes, gop_lens, firsts, datas, data_sizes, packet_bytes,
                          decode_idxs);
  });
  m.def("_merge_bundles", [](const std::vector<ByteArray>& arrays) {
    if (arrays.empty()) throw std::invalid_argument("packet_data_arrays is empty");
    return to_array(parse_all(arrays));
  });
  m.def("_load_bundle_files", [](const std::vector<std::string>& paths) {
    if (paths.empty()) throw std::invalid_argument("file_paths is empty");
    std::vector<std::vector<uint8_t>> files;
    {
      py::gil_scoped_release release;
      for (const auto& p : paths) {
        files.push_back(bundle::read_file(p));
        try {
          bundle::parse(files.back().data(), files.back().size());
        } catch (const std::invalid_argument& e) {
          throw std::invalid_argument("'" + p + "': " + e.what());
        }
      }
    }
    py::list out;
    for (auto& f : files) {
      ByteArray a(static_cast<py::ssize_t>(f.size()));
      std::memcpy(a.mutable_data(), f.data(), f.size());
      out.append(a);
    }
    return out;
  });
  m.def("_save_bundle", [](const ByteArray& arr, const std::string& path) {
    const uint8_t* data = arr.data();
    const size_t size = static_cast<size_t>(arr.size());
    py::gil_scoped_release release;
    bundle::parse(data, size);  // only a valid bundle is written
    bundle::write_file_atomic(path, data, size);
  });
  m.def("_share", &shared_read_only, py::arg("array"),
        "A new read-only array over an engine bundle array's bytes, sharing its buffer (the GOP cache's hits).");
  m.def("_held_bytes", &held_bytes, py::arg("array"),
        "Bytes of memory a bundle array keeps alive (its pooled buffer), else its nbytes.");
  m.def("_bundle_checksum", [](const ByteArray& arr) { return bundle::checksum(arr.data(), arr.size()); });
  m.def("_plan_runs",
        [](const std::vector<int64_t>& frame_ids, const std::vector<uint32_t>& flags, const std::vector<int64_t>& targets,
           bool join_adjacent) {
          if (frame_ids.size() != flags.size()) throw std::invalid_argument("frame_ids and flags differ in length");
          std::vector<PlanItem> items;
          for (size_t i = 0; i < frame_ids.size(); ++i) items.push_back({frame_ids[i], flags[i]});
          py::list out;
          for (const DecodeRun& r : plan_runs(PacketSequence(std::move(items)), targets, join_adjacent)) {
            py::dict d;
            d["start"] = r.start;
            d["last"] = r.last;
            d["feed"] = r.feed;
            d["targets"] = r.targets;
            out.append(d);
          }
          return out;
        },
        py::arg("frame_ids"), py::arg("flags"), py::arg("targets"), py::arg("join_adjacent") = true);
}

}  // namespace odvd::bindings
