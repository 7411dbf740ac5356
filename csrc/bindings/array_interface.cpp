#include "bindings/array_interface.h"

#include "frames/block_pool.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

// The keys the NumPy array interface and the CUDA array interface (version 3) share.
py::dict interface_dict(const ArrayView& v) {
  py::dict d;
  d["shape"] = as_tuple(v.shape);
  d["typestr"] = typestr(v.frame);
  d["data"] = py::make_tuple(v.data, false);
  d["strides"] = as_tuple(v.strides);
  d["version"] = 3;
  return d;
}

}  // namespace

py::tuple as_tuple(const std::vector<int64_t>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = v[i];
  return t;
}

const char* typestr(const Frame& f) { return f.floating ? "<f4" : (f.itemsize == 1 ? "|u1" : "<u2"); }

std::string device_name(const Frame& f) { return f.device >= 0 ? "cuda:" + std::to_string(f.device) : "cpu"; }

py::dict array_interface(const ArrayView& v, const char* what, const std::string& gpu_hint) {
  if (v.frame.device >= 0) {
    throw py::type_error(std::string("this ") + what + " is in GPU memory (" + device_name(v.frame) + "): " + gpu_hint);
  }
  return interface_dict(v);
}

// CUDA Array Interface v3 (numba.readthedocs.io/en/stable/cuda/cuda_array_interface.html). The
// frame's work is finished before it is returned, so consumers that wait on `stream` wait for nothing.
py::dict cuda_array_interface(const ArrayView& v, const char* what) {
  if (v.frame.device < 0) {
    throw py::attribute_error(std::string("this ") + what +
                              " is in host memory (CPU backend): it has __array_interface__, not "
                              "__cuda_array_interface__");
  }
  py::dict d = interface_dict(v);
  d["stream"] = v.frame.stream ? py::object(py::int_(v.frame.stream)) : py::object(py::none());
  // The consumer's stream is not known: its queued work is fenced on the legacy default stream before
  // the block is reused (covers consumers on the default streams; block_pool.h).
  BlockPool::add_consumer_stream(v.frame.data, 1);
  return d;
}

}  // namespace odvd::bindings
