// `_SampleReader` (wrapped by on_demand_video_decoder.PyNvSampleReader): files read forward by
// decoders kept between calls. decode() releases the GIL while it reads and decodes.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/call_args.h"
#include "bindings/register.h"
#include "decode/backend.h"
#include "engine/sample_reader.h"

namespace py = pybind11;

namespace odvd::bindings {

void register_sample_reader(py::module_& m) {
  py::class_<SampleReader, std::shared_ptr<SampleReader>>(m, "_SampleReader")
      .def(py::init([](size_t max_readers, int threads, int device, const std::string& gpu_backend, bool strict) {
             return std::make_shared<SampleReader>(max_readers, threads,
                                                   make_backend(device, {gpu_backend_kind(gpu_backend), strict}));
           }),
           py::arg("max_readers"), py::arg("threads") = 0, py::arg("device") = -1, py::arg("gpu_backend") = "cuvid",
           py::arg("strict") = false)
      .def_property_readonly("device", &SampleReader::device)
      .def_property_readonly("backend", &SampleReader::backend_name)
      .def("decode",
           [](SampleReader& r, const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
              const std::string& output, const OutputOptions* options) {
             check_lengths(paths.size(), ids.size());
             return decode_without_gil(output, options, r,
                                       [&](OutputFormat out) { return r.decode(paths, ids, out); });
           },
           py::arg("filepaths"), py::arg("frame_ids"), py::arg("output"), py::arg("options") = nullptr)
      .def("clear", &SampleReader::clear, py::call_guard<py::gil_scoped_release>())
      .def("forget", &SampleReader::forget, py::arg("key"), py::call_guard<py::gil_scoped_release>())
      .def("release_memory", &SampleReader::release_memory)
      .def_property_readonly("readers", &SampleReader::readers)
      .def_property_readonly("counters", [](const SampleReader& r) {
        const ReaderCounters c = r.counters();
        py::dict d;
        d["packets_fed"] = c.packets_fed;
        d["frames_decoded"] = c.frames_decoded;
        d["seeks"] = c.seeks;
        return d;
      });
}

}  // namespace odvd::bindings
