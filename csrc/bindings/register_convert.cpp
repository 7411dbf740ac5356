// _OutputOptions (the checked output options of the RGB methods, frames/frame_convert.h), and private
// test helpers for the colour conversion (docs/color.md): _native_to_rgb and _native_to_output run
// the host converter (or the CUDA kernels' code on the host) on a native frame held in a NumPy
// array, _resolve_color the tag -> formula rules. tests/test_color.py and tests/test_output_options.py
// check them against NumPy twins written from the document.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <array>
#include <optional>
#include <stdexcept>
#include <string>

#include "bindings/call_args.h"
#include "bindings/register.h"
#include "convert/color_resolve.h"
#include "convert/yuv_to_rgb.h"
#include "frames/frame_convert.h"
#include "frames/block_pool.h"
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

color::ChromaSiting parse_siting(const std::string& name) {
  for (int v = 1; v <= 6; ++v) {
    const auto s = static_cast<color::ChromaSiting>(v);
    if (name == color::siting_name(s)) return s;
  }
  throw std::invalid_argument("chroma_siting='" + name +
                              "' is not one of 'left', 'center', 'topleft', 'top', 'bottomleft', 'bottom'");
}

color::Range parse_range(const std::string& name) {
  if (name == "limited") return color::Range::kLimited;
  if (name == "full") return color::Range::kFull;
  throw std::invalid_argument("range='" + name + "' is not one of 'limited', 'full'");
}

// A native frame held in a NumPy array, checked. native: (H + (H + 1) // 2, pitch) of uint8 (NV12)
// or uint16 (P016), C-contiguous: H luma rows, then the chroma rows of interleaved U, V. width
// defaults to the array's width; a smaller one leaves padding columns, which an odd width needs (its
// chroma rows hold width + 1 samples).
struct NativeArray {
  color::NativeView view;
  color::ColorSpec spec;
};

NativeArray check_native(const py::array& native, int bit_depth, const std::string& matrix, const std::string& range,
                         std::optional<int> width) {
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
  const size_t pitch = static_cast<size_t>(cols) * native.itemsize();
  const auto* base = static_cast<const uint8_t*>(native.data());
  // The chroma rows follow the luma rows in the same array, with the same pitch.
  return NativeArray{{base, pitch, base + static_cast<size_t>(h) * pitch, pitch, static_cast<int>(w),
                      static_cast<int>(h), bit_depth},
                     spec};
}

py::array_t<uint8_t> native_to_rgb(const py::array& native, int bit_depth, const std::string& matrix,
                                   const std::string& range, bool bgr, std::optional<int> width, bool kernel_twin) {
  const NativeArray in = check_native(native, bit_depth, matrix, range, width);
  const color::NativeView& view = in.view;
  py::array_t<uint8_t> out({static_cast<py::ssize_t>(view.height), static_cast<py::ssize_t>(view.width), py::ssize_t{3}});
  uint8_t* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    if (kernel_twin) {
      kernels::YuvToRgbArgs args{};
      args.luma = view.luma;
      args.chroma = view.chroma;
      args.out = dst;
      args.luma_pitch = args.chroma_pitch = view.luma_pitch;
      args.out_pitch = static_cast<uint64_t>(view.width) * 3;
      args.width = view.width;
      args.height = view.height;
      args.bit_depth = bit_depth;
      args.bgr = bgr ? 1 : 0;
      args.coeff = color::make_coefficients(in.spec.matrix, in.spec.range, bit_depth);
      kernels::yuv_to_rgb_on_host(args);
    } else {
      color::native_to_rgb(view, in.spec, bgr, dst, static_cast<size_t>(view.width) * 3);
    }
  }
  return out;
}

// The conversion with output options of a native frame held in a NumPy array: the CPU backend's
// convert_frames (an RGBFrame), or the odvd_resize_convert kernel's code over its launch grid (an
// array). The frame borrows the array's memory for the call.
py::object native_to_output(const py::array& native, int bit_depth, const std::string& matrix,
                            const std::string& range, bool bgr, std::optional<int> width, const OutputOptions& o,
                            bool kernel_twin, const std::string& chroma_siting) {
  const NativeArray in = check_native(native, bit_depth, matrix, range, width);
  auto f = std::make_shared<Frame>();
  f->chroma_siting = static_cast<int32_t>(parse_siting(chroma_siting));
  f->data = std::shared_ptr<uint8_t>(const_cast<uint8_t*>(in.view.luma), [](uint8_t*) {});
  f->layout = bit_depth == 8 ? FrameLayout::kNV12 : FrameLayout::kP016;
  f->width = in.view.width;
  f->height = in.view.height;
  f->bit_depth = bit_depth;
  f->itemsize = bit_depth == 8 ? 1 : 2;
  f->strides = {static_cast<int64_t>(in.view.luma_pitch), f->itemsize};
  f->color_matrix = static_cast<int32_t>(in.spec.matrix);
  f->color_range = static_cast<int32_t>(in.spec.range);
  if (!kernel_twin) {
    std::vector<FramePtr> frames;
    {
      py::gil_scoped_release release;
      auto pool = BlockPool::create();
      frames = convert_frames({f}, bgr, o, *pool, 0);
    }
    return to_python(std::move(frames))[0];
  }
  std::vector<py::ssize_t> shape;
  for (int64_t d : output_shape(*f, o)) shape.push_back(static_cast<py::ssize_t>(d));
  py::array out = o.float32 ? py::array(py::dtype("float32"), shape) : py::array(py::dtype("uint8"), shape);
  const color::ResizeConvertArgs args = convert_args(*f, bgr, o, static_cast<uint8_t*>(out.mutable_data()));
  {
    py::gil_scoped_release release;
    kernels::resize_convert_on_host(args);
  }
  return std::move(out);
}

}  // namespace

void register_convert(py::module_& m) {
  py::class_<OutputOptions>(m, "_OutputOptions",
                            "Checked output options (size, layout, dtype, mean/std, stack, chroma upsampling) of the RGB methods.")
      .def(py::init([](int32_t height, int32_t width, bool planar, bool float32, std::array<float, 3> mean,
                       std::array<float, 3> std, bool stack, bool chroma_bilinear) {
             OutputOptions o;
             o.height = height;
             o.width = width;
             o.planar = planar;
             o.float32 = float32;
             for (int c = 0; c < 3; ++c) {
               o.mean[c] = mean[c];
               o.std[c] = std[c];
             }
             o.stack = stack;
             o.chroma_bilinear = chroma_bilinear;
             o.validate();
             return o;
           }),
           py::arg("height") = 0, py::arg("width") = 0, py::arg("planar") = false, py::arg("float32") = false,
           py::arg("mean") = std::array<float, 3>{0.f, 0.f, 0.f}, py::arg("std") = std::array<float, 3>{1.f, 1.f, 1.f},
           py::arg("stack") = false, py::arg("chroma_bilinear") = false)
      .def_property_readonly("plain", &OutputOptions::plain)
      .def("__repr__", [](const OutputOptions& o) {
        return "_OutputOptions(size=(" + std::to_string(o.height) + ", " + std::to_string(o.width) +
               "), planar=" + (o.planar ? "True" : "False") + ", float32=" + (o.float32 ? "True" : "False") +
               ", stack=" + (o.stack ? "True" : "False") +
               ", chroma_bilinear=" + (o.chroma_bilinear ? "True" : "False") + ")";
      });
  m.def("_native_to_output", &native_to_output, py::arg("native"), py::arg("bit_depth"), py::arg("matrix"),
        py::arg("range"), py::arg("bgr") = false, py::arg("width") = py::none(), py::kw_only(), py::arg("options"),
        py::arg("kernel_twin") = false, py::arg("chroma_siting") = "left",
        "The conversion with output options of a native frame (test helper): an RGBFrame from the CPU "
        "backend's converter, or with kernel_twin=True an array from the odvd_resize_convert kernel's "
        "code run on the host. Arguments as _native_to_rgb; options an _OutputOptions; chroma_siting the "
        "frame's chroma siting for bilinear chroma ('left', 'center', 'topleft', 'top', 'bottomleft', "
        "'bottom').");
  m.def("_native_to_rgb", &native_to_rgb, py::arg("native"), py::arg("bit_depth"), py::arg("matrix"),
        py::arg("range"), py::arg("bgr") = false, py::arg("width") = py::none(), py::arg("kernel_twin") = false,
        "Host YUV->RGB of a native frame (test helper). native: (H + (H+1)//2, W) uint8 NV12 "
        "(bit_depth 8) or uint16 P016 (10, 12), C-contiguous; matrix 'bt601'|'bt709'|'bt2020'; range "
        "'limited'|'full'. Returns (H, W, 3) uint8, RGB or BGR. width < W treats the extra columns as "
        "padding (needed for an odd width). ValueError on bad names, dtypes or shapes. docs/color.md.");
  m.def(
      "_convert_isa",
      [](std::optional<std::string> name) {
        const char* previous = color::convert_isa_name(color::convert_isa());
        if (name) {
          if (*name != "baseline" && *name != "avx2") {
            throw std::invalid_argument("_convert_isa: '" + *name + "' is not 'baseline' or 'avx2'");
          }
          color::set_convert_isa(*name == "avx2" ? color::ConvertIsa::kAvx2 : color::ConvertIsa::kBaseline);
        }
        return previous;
      },
      py::arg("name") = py::none(),
      "The instruction set of the host YUV->RGB row loops ('baseline' or 'avx2'), switched to `name` when "
      "given (test and benchmark hook; ValueError for 'avx2' on a CPU without it). Returns the one in use "
      "before the call.");
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
