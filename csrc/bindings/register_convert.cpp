// Private test helpers for the colour conversion (docs/color.md): _native_to_rgb runs the host
// converter (or the CUDA kernel's code on the host) on a native frame held in a NumPy array,
// _resolve_color the tag -> formula rules.
// tests/test_color.py checks both against a NumPy twin written from the document.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "bindings/register.h"
#include "convert/color_resolve.h"
#include "convert/yuv_to_rgb.h"
#include "kernels/host_twin.h"

namespace py = pybind11;

namespace odvd::bindings {

namespace {

color::Matrix parse_matrix(const std::string& name) {
  if (name == "bt601") return color::Matrix::kBT601;
  if (name == "bt709") return color::Matrix::kBT709;
  if (name == "bt2020") return color::Matrix::kBT2020;
  throw std::invalid_argument("matrix='" + name + "' is not one of 'bt601', 'bt709', 'bt2020'");
}

color::Range parse_range(const std::string& name) {
  if (name == "limited") return color::Range::kLimited;
  if (name == "full") return color::Range::kFull;
  throw std::invalid_argument("range='" + name + "' is not one of 'limited', 'full'");
}

// native: (H + (H + 1) // 2, pitch) of uint8 (NV12) or uint16 (P016), C-contiguous: H luma rows,
// then the chroma rows of interleaved U, V. width defaults to the array's width; a smaller one
// leaves padding columns, which an odd width needs (its chroma rows hold width + 1 samples).
py::array_t<uint8_t> native_to_rgb(const py::array& native, int bit_depth, const std::string& matrix,
                                   const std::string& range, bool bgr, std::optional<int> width, bool kernel_twin) {
  const color::ColorSpec spec{parse_matrix(matrix), parse_range(range)};
  if (bit_depth != 8 && bit_depth != 10 && bit_depth != 12) {
    throw std::invalid_argument("bit_depth=" + std::to_string(bit_depth) + " not supported (8, 10 or 12)");
  }
  const bool want_u8 = bit_depth == 8;
  // isinstance<array_t<T>> compares dtypes with PyArray_EquivTypes: a byte-swapped uint16 is refused.
  const bool dtype_ok =
      want_u8 ? py::isinstance<py::array_t<uint8_t>>(native) : py::isinstance<py::array_t<uint16_t>>(native);
  if (!dtype_ok) {
    throw std::invalid_argument("native has dtype " + std::string(py::str(native.dtype())) + "; bit_depth=" +
                                std::to_string(bit_depth) + " needs " +
                                (want_u8 ? "uint8 (NV12)" : "native-endian uint16 (P016)"));
  }
  if (native.ndim() != 2) {
    throw std::invalid_argument("native must be 2-D (luma rows, then chroma rows), got " +
                                std::to_string(native.ndim()) + " dimensions");
  }
  if (!(native.flags() & py::array::c_style)) throw std::invalid_argument("native must be C-contiguous");

  const auto rows = static_cast<int64_t>(native.shape(0));
  const auto cols = static_cast<int64_t>(native.shape(1));
  // rows = H + ceil(H / 2) has at most one solution, H = floor(2 rows / 3).
  const int64_t h = 2 * rows / 3;
  if (h < 1 || h + (h + 1) / 2 != rows) {
    throw std::invalid_argument("native has " + std::to_string(rows) +
                                " rows, which is not H + (H + 1) // 2 for any height H >= 1");
  }
  const int64_t w = width.value_or(cols);
  if (w < 1 || w > cols || 2 * ((w + 1) / 2) > cols) {
    throw std::invalid_argument("width=" + std::to_string(w) + " does not fit a native array " +
                                std::to_string(cols) +
                                " samples wide (chroma rows need 2 * ((width + 1) // 2) samples; pass an "
                                "even-width array and width= for an odd width)");
  }

  py::array_t<uint8_t> out({static_cast<py::ssize_t>(h), static_cast<py::ssize_t>(w), py::ssize_t{3}});
  const size_t pitch = static_cast<size_t>(cols) * native.itemsize();
  const auto* base = static_cast<const uint8_t*>(native.data());
  // The chroma rows follow the luma rows in the same array, with the same pitch.
  const color::NativeView view{base, pitch, base + static_cast<size_t>(h) * pitch, pitch, static_cast<int>(w),
                               static_cast<int>(h), bit_depth};
  uint8_t* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    if (kernel_twin) {
      kernels::YuvToRgbArgs args{};
      args.luma = view.luma;
      args.chroma = view.chroma;
      args.out = dst;
      args.luma_pitch = args.chroma_pitch = pitch;
      args.out_pitch = static_cast<uint64_t>(w) * 3;
      args.width = static_cast<int32_t>(w);
      args.height = static_cast<int32_t>(h);
      args.bit_depth = bit_depth;
      args.bgr = bgr ? 1 : 0;
      args.coeff = color::make_coefficients(spec.matrix, spec.range, bit_depth);
      kernels::yuv_to_rgb_on_host(args);
    } else {
      color::native_to_rgb(view, spec, bgr, dst, static_cast<size_t>(w) * 3);
    }
  }
  return out;
}

}  // namespace

void register_convert(py::module_& m) {
  m.def("_native_to_rgb", &native_to_rgb, py::arg("native"), py::arg("bit_depth"), py::arg("matrix"),
        py::arg("range"), py::arg("bgr") = false, py::arg("width") = py::none(), py::arg("kernel_twin") = false,
        "Host YUV->RGB of a native frame (test helper). native: (H + (H+1)//2, W) uint8 NV12 "
        "(bit_depth 8) or uint16 P016 (10, 12), C-contiguous; matrix 'bt601'|'bt709'|'bt2020'; range "
        "'limited'|'full'. Returns (H, W, 3) uint8, RGB or BGR. width < W treats the extra columns as "
        "padding (needed for an odd width). ValueError on bad names, dtypes or shapes. docs/color.md.");
  m.def(
      "_resolve_color",
      [](int av_colorspace, int av_color_range, int height) {
        const color::ColorSpec s = color::resolve_color(av_colorspace, av_color_range, height);
        return py::make_tuple(color::matrix_name(s.matrix), color::range_name(s.range));
      },
      py::arg("av_colorspace"), py::arg("av_color_range"), py::arg("height"),
      "(matrix, range) names for FFmpeg AVColorSpace / AVColorRange values and a picture height "
      "(test helper; rules in docs/color.md).");
}

}  // namespace odvd::bindings
