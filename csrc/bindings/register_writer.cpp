// The video writer for Python: `_VideoWriter`, wrapped by on_demand_video_decoder.write_video, which
// checks the frames and makes the write atomic (docs/writer.md).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "bindings/register.h"
#include "encode/video_writer.h"

namespace py = pybind11;

namespace odvd::bindings {

void register_writer(py::module_& m) {
  py::class_<encode::VideoWriter>(m, "_VideoWriter")
      .def(py::init([](const std::string& path, int width, int height, int fps_num, int fps_den, const std::string& codec,
                       int gop, int bframes, int crf, const std::string& preset) {
             encode::WriterOptions o;
             o.codec = codec;
             o.width = width;
             o.height = height;
             o.fps_num = fps_num;
             o.fps_den = fps_den;
             o.gop = gop;
             o.bframes = bframes;
             o.crf = crf;
             o.preset = preset;
             py::gil_scoped_release release;
             return std::make_unique<encode::VideoWriter>(path, o);
           }),
           py::arg("path"), py::arg("width"), py::arg("height"), py::arg("fps_num"), py::arg("fps_den"),
           py::arg("codec"), py::arg("gop"), py::arg("bframes"), py::arg("crf"), py::arg("preset"))
      .def(
          "write",
          [](encode::VideoWriter& w, const py::array_t<uint8_t, py::array::c_style>& rgb) {
            if (rgb.ndim() != 3 || rgb.shape(2) != 3) throw std::invalid_argument("a frame is (height, width, 3)");
            const uint8_t* data = rgb.data();
            const ptrdiff_t stride = rgb.strides(0);
            py::gil_scoped_release release;
            w.write(data, stride);
          },
          py::arg("rgb"), "Encodes one RGB frame (height, width, 3), uint8, C-contiguous, of the writer's size.")
      .def("close", &encode::VideoWriter::close, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("frames_written", &encode::VideoWriter::frames_written);
}

}  // namespace odvd::bindings
