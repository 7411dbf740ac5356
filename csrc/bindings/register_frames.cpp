// DecodedFrameExt (native NV12/P016) and RGBFrame: Python views of a Frame that own a reference to
// its pixels. Host frames go to NumPy (__array_interface__, no copy); GPU frames to CuPy, Numba and
// PyTorch (__cuda_array_interface__ version 3, with the stream that wrote them); both to PyTorch and
// others through __dlpack__ / __dlpack_device__. Each keeps the pixels alive for as long as it
// needs them.
#include "bindings/frame_objects.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/array_interface.h"
#include "bindings/dlpack_export.h"
#include "bindings/register.h"
#include "decode/nvdec/gpu_device.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

const char* kHostOnly =
    "this frame is in host memory (decoded with iGpu=-1, the CPU backend): use numpy.asarray(frame) or "
    "torch.from_dlpack(frame); CUDA views exist for frames decoded on a GPU";

const char* kGpuFrameHint =
    "use torch.as_tensor(frame, device='cuda'), torch.from_dlpack(frame), cupy.asarray(frame), or frame.cpu() for a "
    "host copy";

// A single frame's value, or None for a stack of frames (frame_ids / timestamps list those).
py::object stacked_or(const FramePtr& f, py::object single) {
  return f->stacked_ids.empty() ? single : py::none();
}

template <typename T>
void add_common(py::class_<T, std::shared_ptr<T>>& c) {
  c.def_property_readonly("__array_interface__",
                          [](const T& s) { return array_interface(whole(*s.frame), "frame", kGpuFrameHint); })
      .def_property_readonly("__cuda_array_interface__",
                             [](const T& s) { return cuda_array_interface(whole(*s.frame), "frame"); })
      .def(
          "__dlpack__",
          [](const T& s, py::object stream, py::object /*max_version*/, py::object dl_device, py::object copy) {
            return dlpack_export(s.frame, reinterpret_cast<uintptr_t>(s.frame->data.get()), s.frame->shape,
                                 s.frame->strides, stream, dl_device, copy, "frame");
          },
          py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
          py::arg("dl_device") = py::none(), py::arg("copy") = py::none())
      .def("__dlpack_device__", [](const T& s) { return dlpack_device(*s.frame); })
      .def_property_readonly("shape", [](const T& s) { return as_tuple(s.frame->shape); })
      .def_property_readonly("frame_id", [](const T& s) { return stacked_or(s.frame, py::int_(s.frame->frame_id)); })
      .def_property_readonly("color_range_signalled", [](const T& s) { return s.frame->color_range_signalled; },
                             "Whether the stream says its colour range; False: limited range was assumed.")
      .def_property_readonly("corrupt", [](const T& s) { return s.frame->corrupt; },
                             "Whether the decoder reported errors for this frame or a picture it depends on "
                             "(its pixels may be wrong; strict decoding raises instead).")
      .def_property_readonly("pts", [](const T& s) { return stacked_or(s.frame, py::int_(s.frame->pts)); })
      .def_property_readonly("timestamp", [](const T& s) { return stacked_or(s.frame, py::int_(s.frame->pts)); })
      .def_property_readonly("frame_ids", [](const T& s) {
        return s.frame->stacked_ids.empty() ? std::vector<int64_t>{s.frame->frame_id} : s.frame->stacked_ids;
      })
      .def_property_readonly("timestamps", [](const T& s) {
        return s.frame->stacked_pts.empty() ? std::vector<int64_t>{s.frame->pts} : s.frame->stacked_pts;
      })
      .def_property_readonly("time_base", [](const T& s) {
        return py::make_tuple(s.frame->time_base_num, s.frame->time_base_den);
      })
      .def_property_readonly("width", [](const T& s) { return s.frame->width; })
      .def_property_readonly("height", [](const T& s) { return s.frame->height; })
      .def_property_readonly("device", [](const T& s) {
        return device_name(*s.frame);
      })
      .def("cpu", [](py::object self) -> py::object {
        const FramePtr& f = self.cast<const T&>().frame;
        if (f->device < 0) return self;
        static const std::shared_ptr<BlockPool> host = BlockPool::create();
        FramePtr c;
        {
          py::gil_scoped_release release;
          c = GpuDevice::to_host(*f, *host);
        }
        return py::cast(std::make_shared<T>(T{std::move(c)}));
      })
      .def("__repr__", [](const T& s) {
        const Frame& f = *s.frame;
        static const char* names[] = {"NV12", "P016", "RGB", "BGR"};
        std::string shape;
        for (size_t i = 0; i < f.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(f.shape[i]);
        const std::string which = f.stacked_ids.empty() ? "frame_id=" + std::to_string(f.frame_id)
                                                        : std::to_string(f.stacked_ids.size()) + " frames";
        return std::string(T::kName) + "(" + which + ", " + names[static_cast<int>(f.layout)] +
               (f.planar ? " CHW" : "") + ", shape=(" + shape + "), " + (f.floating ? "float32" : "") +
               (f.floating ? ", " : "") + device_name(f) +
               ")";
      });
}

}  // namespace

void register_frames(py::module_& m) {
  // Test helper: the same frame labelled as GPU memory (device, stream), to check the CUDA-facing
  // interfaces' format on machines without a GPU. Its pointer is host memory: never hand it to CUDA.
  m.def("_as_device_frame", [](py::object frame, int device, uint64_t stream) -> py::object {
    auto relabel = [&](FramePtr f) {
      auto c = std::make_shared<Frame>(*f);
      c->device = device;
      c->stream = stream;
      return c;
    };
    if (py::isinstance<RGBFrame>(frame)) return py::cast(std::make_shared<RGBFrame>(RGBFrame{relabel(frame.cast<const RGBFrame&>().frame)}));
    return py::cast(std::make_shared<DecodedFrameExt>(DecodedFrameExt{relabel(frame.cast<const DecodedFrameExt&>().frame)}));
  }, py::arg("frame"), py::arg("device"), py::arg("stream"));

  py::class_<DecodedFrameExt, std::shared_ptr<DecodedFrameExt>> native(
      m, "DecodedFrameExt", "A decoded frame in its native layout: NV12 (uint8) or P016 (uint16).");
  add_common(native);
  native
      .def_property_readonly("format", [](const DecodedFrameExt& s) { return pixel_format(s.frame->layout); })
      .def_property_readonly("dtype", [](const DecodedFrameExt& s) {
        return py::dtype(s.frame->itemsize == 1 ? "uint8" : "uint16");
      })
      .def_property_readonly("strides", [](const DecodedFrameExt& s) { return as_tuple(s.frame->strides); })
      .def_property_readonly("bit_depth", [](const DecodedFrameExt& s) { return s.frame->bit_depth; })
      .def_property_readonly("color_range", [](const DecodedFrameExt& s) {
        return s.frame->color_range == 2 ? "full" : "limited";
      })
      .def_property_readonly("color_matrix", [](const DecodedFrameExt& s) {
        static const char* names[] = {"", "bt601", "bt709", "bt2020"};
        return names[s.frame->color_matrix & 3];
      })
      .def("GetPtrToPlane", [](const DecodedFrameExt& s, int plane) {
        const Frame& f = *s.frame;
        if (plane < 0 || plane > 1) throw std::out_of_range("plane index " + std::to_string(plane) + " (valid: 0, 1)");
        return reinterpret_cast<uintptr_t>(f.data.get()) + (plane ? uintptr_t(f.height) * uintptr_t(f.strides[0]) : 0);
      }, py::arg("planeIdx"))
      .def("framesize", [](const DecodedFrameExt& s) { return s.frame->bytes(); })
      .def("cuda", [](const DecodedFrameExt& s) { return plane_views(s.frame); },
           "The planes as CAIMemoryView objects, Y then interleaved UV, sharing this frame's memory: with "
           "__cuda_array_interface__ for a frame in GPU memory, __array_interface__ for one in host memory.")
      .def("nvcv_image", [](const DecodedFrameExt& s) { return plane_views(s.frame); },
           "The same plane views as cuda().");

  py::class_<RGBFrame, std::shared_ptr<RGBFrame>> rgb(
      m, "RGBFrame",
      "A decoded frame as RGB or BGR: HWC uint8 by default; with output options CHW, float32, resized, or a "
      "stack of frames (shape (N, ...)).");
  add_common(rgb);
  rgb.def("cuda", [](py::object self) -> py::object {
        if (self.cast<const RGBFrame&>().frame->device >= 0) return self;
        throw std::runtime_error(kHostOnly);
      })
      .def_property_readonly("isBGR", [](const RGBFrame& s) { return s.frame->layout == FrameLayout::kBGR; })
      .def_property_readonly("stride", [](const RGBFrame& s) { return as_tuple(s.frame->strides); })
      .def_property_readonly("strides", [](const RGBFrame& s) { return as_tuple(s.frame->strides); })
      .def_property_readonly("dataptr", [](const RGBFrame& s) { return reinterpret_cast<uintptr_t>(s.frame->data.get()); })
      .def_property_readonly("dtype", [](const RGBFrame& s) { return py::dtype(s.frame->floating ? "float32" : "uint8"); })
      .def_property_readonly("layout", [](const RGBFrame& s) { return s.frame->planar ? "CHW" : "HWC"; })
      .def_property_readonly("data", [](py::object self) {
        // A NumPy view that keeps this frame (and so its pixels) alive.
        return py::module_::import("numpy").attr("asarray")(self);
      });
}

}  // namespace odvd::bindings
