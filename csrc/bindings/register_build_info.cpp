// build_info(): what was compiled in and what is usable now; _kernel_selftest and _embedded_fatbin
// for the tests that check the CUDA kernels end to end.
#include <pybind11/stl.h>

#include "bindings/register.h"
#include "kernels/fatbin.h"
#include "convert/yuv_to_rgb.h"
#include "engine/thread_budget.h"
#include "runtime/build_info.h"
#include "runtime/kernel_selftest.h"

namespace py = pybind11;

namespace odvd::bindings {

namespace {

py::dict to_dict(const NamedVersions& versions) {
  py::dict d;
  for (const auto& [name, version] : versions) d[py::str(name)] = version;
  return d;
}

py::object or_none(const std::string& s) { return s.empty() ? py::object(py::none()) : py::object(py::str(s)); }

py::dict build_info() {
  const CompiledInfo c = compiled_info();
  RuntimeInfo r;
  {
    // Probing the driver may dlopen libraries and call cuInit: no need to hold the GIL for that.
    py::gil_scoped_release release;
    r = runtime_info();
  }
  py::dict compiled;
  compiled["compiler"] = c.compiler;
  compiled["ffmpeg"] = to_dict(c.ffmpeg);
  compiled["ffmpeg_linkage"] = c.ffmpeg_linkage;
  compiled["ffnvcodec"] = c.ffnvcodec;
  compiled["cuda_kernels"] = c.cuda_kernels;
  compiled["cuda_archs"] = c.cuda_archs;
  compiled["nvcc"] = or_none(c.nvcc);
  compiled["fatbin_bytes"] = c.fatbin_bytes;

  const cuda::DriverStatus& d = r.driver;
  py::list devices;
  for (const auto& dev : d.devices) {
    py::dict e;
    e["index"] = dev.index;
    e["name"] = dev.name;
    e["compute_capability"] = std::to_string(dev.cc_major) + "." + std::to_string(dev.cc_minor);
    devices.append(e);
  }
  py::dict runtime;
  runtime["ffmpeg"] = to_dict(r.ffmpeg);
  runtime["ffmpeg_release"] = r.ffmpeg_release;
  py::dict decoders;
  for (const DecoderInfo& dec : r.decoders) {
    py::dict e;
    e["decoder"] = or_none(dec.decoder);
    e["nvdec_hwaccel"] = dec.nvdec_hwaccel;
    decoders[py::str(dec.codec)] = e;
  }
  runtime["ffmpeg_decoders"] = decoders;
  // The CPU threads a decoder uses by default (engine/thread_budget.h) and what decides it.
  runtime["thread_budget"] = default_thread_budget();
  runtime["convert_isa"] = color::convert_isa_name(color::convert_isa());
  runtime["affinity_cpus"] = affinity_cpus();
  runtime["cgroup_cpu_quota"] = cgroup_cpu_quota();
  runtime["driver_found"] = d.libcuda_loaded;
  runtime["driver_error"] = or_none(d.libcuda_error);
  // cuDriverGetVersion gives 1000 * major + 10 * minor.
  runtime["driver_cuda_version"] =
      d.driver_version > 0 ? py::object(py::str(std::to_string(d.driver_version / 1000) + "." +
                                                std::to_string((d.driver_version % 1000) / 10)))
                           : py::object(py::none());
  runtime["cuda_init_error"] = or_none(d.init_error);
  runtime["nvdec_found"] = d.nvcuvid_loaded;
  runtime["nvdec_error"] = or_none(d.nvcuvid_error);
  runtime["device_count"] = d.devices.size();
  runtime["devices"] = devices;
  runtime["gpu_decode_usable"] =
      c.cuda_kernels && d.libcuda_loaded && d.initialized && !d.devices.empty() && d.nvcuvid_loaded;

  py::dict info;
  info["version"] = c.version;
  info["compiled"] = compiled;
  info["runtime"] = runtime;
  return info;
}

}  // namespace

void register_build_info(py::module_& m) {
  m.def("build_info", &build_info,
        "What this build compiled in (FFmpeg, ffnvcodec, CUDA kernels) and what the machine offers now "
        "(NVIDIA driver, NVDEC, devices). Never raises for a missing GPU: it reports it.");
  m.def(
      "_kernel_selftest",
      [](int device) {
        cuda::SelftestResult r;
        {
          py::gil_scoped_release release;
          r = cuda::run_kernel_selftest(device);
        }
        py::dict d;
        d["device"] = r.device;
        d["device_name"] = r.device_name;
        d["elements"] = r.elements;
        return d;
      },
      py::arg("device") = 0,
      "Load the embedded kernels on `device`, run one and check its output; RuntimeError on failure.");
  m.def(
      "_embedded_fatbin",
      [] { return py::bytes(reinterpret_cast<const char*>(kernels::kFatbin), kernels::kFatbinSize); },
      "The embedded CUDA fatbin image (empty in a build without nvcc).");
}

}  // namespace odvd::bindings
