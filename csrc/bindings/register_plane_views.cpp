// CAIMemoryView: one plane of a native frame (the seed's DecodedFrameExt.cuda() / nvcv_image() return
// a list of them: Y, then interleaved UV). Each view shares the frame's pixels (no copy) and keeps the
// frame alive; it exposes __cuda_array_interface__ (version 3, with the frame's stream) for a frame in
// GPU memory and __array_interface__ for one in host memory, so code that walks the planes runs on
// both backends.
//
// Geometry of a W x H native frame (docs/design.md "Native output"): rows of `cols` samples, where
// cols is W rounded up to even (an odd width repeats its last sample), `itemsize` bytes each.
//   Y:  shape (H, W, 1),                 strides (cols * itemsize, itemsize, itemsize)
//   UV: shape ((H + 1) / 2, cols / 2, 2), strides (cols * itemsize, 2 * itemsize, itemsize),
//       starting H rows after Y.
#include <pybind11/stl.h>

#include "bindings/frame_objects.h"
#include "bindings/register.h"
#include "frames/block_pool.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

struct PlaneView {
  FramePtr frame;  // keeps the pixels alive
  uintptr_t data = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
};

py::tuple as_tuple(const std::vector<int64_t>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = v[i];
  return t;
}

const char* plane_typestr(const Frame& f) { return f.itemsize == 1 ? "|u1" : "<u2"; }

py::dict plane_interface(const PlaneView& p) {
  py::dict d;
  d["shape"] = as_tuple(p.shape);
  d["typestr"] = plane_typestr(*p.frame);
  d["data"] = py::make_tuple(p.data, false);
  d["strides"] = as_tuple(p.strides);
  d["version"] = 3;
  return d;
}

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
      .def_property_readonly("dtype", [](const PlaneView& p) { return plane_typestr(*p.frame); })
      .def_property_readonly("data", [](const PlaneView& p) { return p.data; })
      .def_property_readonly("device", [](const PlaneView& p) {
        return p.frame->device >= 0 ? "cuda:" + std::to_string(p.frame->device) : std::string("cpu");
      })
      .def_property_readonly("__array_interface__", [](const PlaneView& p) {
        if (p.frame->device >= 0) {
          throw py::type_error("this plane is in GPU memory (cuda:" + std::to_string(p.frame->device) +
                               "): use torch.as_tensor(plane, device='cuda') or cupy.asarray(plane)");
        }
        return plane_interface(p);
      })
      .def_property_readonly("__cuda_array_interface__", [](const PlaneView& p) {
        if (p.frame->device < 0) {
          throw py::attribute_error("this plane is in host memory (CPU backend): it has __array_interface__, not "
                                    "__cuda_array_interface__");
        }
        py::dict d = plane_interface(p);
        d["stream"] = p.frame->stream ? py::object(py::int_(p.frame->stream)) : py::object(py::none());
        BlockPool::add_consumer_stream(p.frame->data, 1);  // as for the whole frame (register_frames.cpp)
        return d;
      })
      .def("__repr__", [](const PlaneView& p) {
        return "CAIMemoryView(shape=(" + std::to_string(p.shape[0]) + ", " + std::to_string(p.shape[1]) + ", " +
               std::to_string(p.shape[2]) + "), " + plane_typestr(*p.frame) + ", " +
               (p.frame->device >= 0 ? "cuda:" + std::to_string(p.frame->device) : std::string("cpu")) + ")";
      });
}

}  // namespace odvd::bindings
