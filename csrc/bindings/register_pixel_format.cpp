// PixelFormat: what DecodedFrameExt.format returns. The seed's code compares it with names in some
// places ("NV12") and accvlab's newer releases with its pixel-format numbers (NV12 3, YUV444 4,
// P016 5), so the value equals both its name and its number, prints as its name, and converts to its
// number with int(). Hashing follows the name, so it keys a dict as the name does.
#include <pybind11/operators.h>

#include "bindings/register.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

struct PixelFormat {
  const char* name;
  int code;
};

const PixelFormat kNV12{"NV12", 3};
const PixelFormat kP016{"P016", 5};
// A decoded PNG (or non-4:2:0 JPEG) is packed RGB (decode/image_decode.h); accvlab's native frames
// never are, so it has no accvlab number: 0.
const PixelFormat kRGB{"RGB", 0};

bool equals(const PixelFormat& f, const py::object& other) {
  if (py::isinstance<PixelFormat>(other)) return other.cast<const PixelFormat&>().code == f.code;
  if (py::isinstance<py::bool_>(other)) return false;
  if (py::isinstance<py::int_>(other)) return other.cast<long long>() == f.code;
  if (py::isinstance<py::str>(other)) return other.cast<std::string>() == f.name;
  return false;
}

}  // namespace

py::object pixel_format(FrameLayout layout) {
  if (layout == FrameLayout::kRGB || layout == FrameLayout::kBGR) return py::cast(kRGB);
  return py::cast(layout == FrameLayout::kP016 ? kP016 : kNV12);
}

void register_pixel_format(py::module_& m) {
  py::class_<PixelFormat>(m, "PixelFormat",
                          "A native frame's pixel format: equal to its name ('NV12', 'P016') and to accvlab's number "
                          "for it (3, 5); str() gives the name, int() the number.")
      .def_property_readonly("name", [](const PixelFormat& f) { return f.name; })
      .def_property_readonly("value", [](const PixelFormat& f) { return f.code; })
      .def("__eq__", [](const PixelFormat& f, const py::object& other) { return equals(f, other); }, py::is_operator())
      .def("__ne__", [](const PixelFormat& f, const py::object& other) { return !equals(f, other); }, py::is_operator())
      .def("__hash__", [](const PixelFormat& f) { return py::hash(py::str(f.name)); })
      .def("__int__", [](const PixelFormat& f) { return f.code; })
      .def("__index__", [](const PixelFormat& f) { return f.code; })
      .def("__str__", [](const PixelFormat& f) { return f.name; })
      .def("__repr__", [](const PixelFormat& f) { return std::string("PixelFormat.") + f.name; });
}

}  // namespace odvd::bindings
