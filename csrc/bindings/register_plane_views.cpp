// CAIMemoryView: one plane of a native frame (the seed's DecodedFrameExt.cuda() / nvcv_image() return
// a list of them: Y, then interleaved UV). Each view shares the frame's pixels (no copy) and keeps the
// frame alive; it exposes __cuda_array_interface__ (version 3, with the frame's stream) for a frame in
// GPU memory and __array_interface__ for one in host memory, and __dlpack__ for both (so
// torch.as_tensor(plane) works on either backend): code that walks the planes runs on both backends.
//
// Geometry of a W x H native frame (docs/design.md "Native output"): rows of `cols` samples, where
// cols is W rounded up to even (an odd width repeats its last sample), `itemsize` bytes each.
//   Y:  shape (H, W, 1),                 strides (cols * itemsize, itemsize, itemsize)
//   UV: shape ((H + 1) / 2, cols / 2, 2), strides (cols * itemsize, 2 * itemsize, itemsize),
//       starting H rows after Y.
#include <pybind11/stl.h>

#include "bindings/array_interface.h"
#include "bindings/dlpack_export.h"
#include "bindings/frame_objects.h"
#include "bindings/register.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

struct PlaneView {
  FramePtr frame;  // keeps the pixels alive
  uintptr_t data = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
};

ArrayView view(const PlaneView& p) { return {*p.frame, p.data, p.shape, p.strides}; }

}  // namespace

py::list plane_views(const FramePtr& f) {
  if (f->layout != FrameLayout::kNV12 && f->layout != FrameLayout::kP016) {
    throw std::invalid_argument("plane views are for native NV12 / P016 frames");
  }
  if (!f->stacked_ids.empty()) throw std::invalid_argument("plane views are for a single frame, not a stack");
  const int64_t item = f->itemsize;
  const int64_t pitch = f->strides[0];
  const int64_t h = f->height;
  const int64_t cols = f->shape[1];
  const auto base = reinterpret_cast<uintptr_t>(f->data.get());
  py::list planes;
  planes.append(PlaneView{f, base, {h, f->width, 1}, {pitch, item, item}});
  planes.append(PlaneView{f, base + uintptr_t(h * pitch), {(h + 1) / 2, cols / 2, 2}, {pitch, 2 * item, item}});
  return planes;
}

void register_plane_views(py::module_& m) {
  py::class_<PlaneView>(m, "CAIMemoryView",
                        "One plane of a native frame (Y, or interleaved UV), sharing the frame's memory: "
                        "__cuda_array_interface__ for a frame in GPU memory, __array_interface__ for one in host "
                        "memory.")
      .def_property_readonly("shape", [](const PlaneView& p) { return as_tuple(p.shape); })
      .def_property_readonly("strides", [](const PlaneView& p) { return as_tuple(p.strides); })
      .def_property_readonly("dtype", [](const PlaneView& p) { return typestr(*p.frame); })
      .def_property_readonly("data", [](const PlaneView& p) { return p.data; })
      .def_property_readonly("device", [](const PlaneView& p) { return device_name(*p.frame); })
      .def_property_readonly("__array_interface__", [](const PlaneView& p) {
        return array_interface(view(p), "plane", "use torch.as_tensor(plane, device='cuda') or cupy.asarray(plane)");
      })
      .def_property_readonly("__cuda_array_interface__",
                             [](const PlaneView& p) { return cuda_array_interface(view(p), "plane"); })
      .def(
          "__dlpack__",
          [](const PlaneView& p, py::object stream, py::object /*max_version*/, py::object dl_device,
             py::object copy) { return dlpack_export(p.frame, p.data, p.shape, p.strides, stream, dl_device, copy, "plane"); },
          py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
          py::arg("dl_device") = py::none(), py::arg("copy") = py::none())
      .def("__dlpack_device__", [](const PlaneView& p) { return dlpack_device(*p.frame); })
      .def("__repr__", [](const PlaneView& p) {
        return "CAIMemoryView(shape=(" + std::to_string(p.shape[0]) + ", " + std::to_string(p.shape[1]) + ", " +
               std::to_string(p.shape[2]) + "), " + typestr(*p.frame) + ", " + device_name(*p.frame) + ")";
      });
}

}  // namespace odvd::bindings
