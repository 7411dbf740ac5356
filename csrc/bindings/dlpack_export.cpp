#include "bindings/dlpack_export.h"

#include <string>
#include <utility>

#include <pybind11/stl.h>

#include "frames/block_pool.h"
#include "frames/dlpack.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

struct DlpackContext {
  FramePtr frame;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements
  DLManagedTensor tensor;
};

void dl_delete(DLManagedTensor* t) { delete static_cast<DlpackContext*>(t->manager_ctx); }

void capsule_destructor(PyObject* capsule) {
  // A capsule never consumed (still named "dltensor") owns its tensor.
  if (PyCapsule_IsValid(capsule, "dltensor")) {
    auto* t = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
    if (t && t->deleter) t->deleter(t);
  }
}

[[noreturn]] void buffer_error(const std::string& message) {
  PyErr_SetString(PyExc_BufferError, message.c_str());
  throw py::error_already_set();
}

// The consumer stream a GPU export must fence; 1 (the legacy default stream) for None.
long long consumer_stream(const Frame& f, const py::object& stream) {
  if (!stream.is_none() && !py::isinstance<py::int_>(stream)) throw py::type_error("stream must be an int or None");
  if (stream.is_none()) return 1;
  const long long s = stream.cast<long long>();
  // DLPack: for CPU tensors the consumer passes no stream; -1 or None mean "no synchronisation".
  if (f.device < 0 && s != -1) throw py::value_error("stream must be None for a host frame");
  if (f.device >= 0 && s == 0) {
    throw py::value_error("stream=0 is ambiguous for CUDA (DLPack): pass 1 (legacy default stream), 2 (per-thread "
                          "default stream), a stream handle, or None");
  }
  return s;
}

}  // namespace

py::capsule dlpack_export(const FramePtr& owner, uintptr_t data, const std::vector<int64_t>& shape,
                          const std::vector<int64_t>& strides, const py::object& stream, const py::object& dl_device,
                          const py::object& copy, const char* what) {
  const Frame& f = *owner;
  const bool gpu = f.device >= 0;
  if (!dl_device.is_none()) {
    const auto want = dl_device.cast<std::pair<int, int>>();
    if (want.first != (gpu ? kDLCUDA : kDLCPU) || want.second != (gpu ? f.device : 0)) {
      buffer_error(std::string("dl_device: this ") + what +
                   " is exported only on its own device (use frame.cpu() for a host copy)");
    }
  }
  if (!copy.is_none() && copy.cast<bool>()) buffer_error(std::string("copy=True: a ") + what + " is exported without a copy");
  const long long consumer = consumer_stream(f, stream);
  // GPU frames are complete when returned (their stream was synchronised): any consumer stream may
  // use them at once, so nothing is enqueued on it. Its queued work is fenced before the block is
  // reused (block_pool.h); -1 means the consumer synchronises itself.
  if (gpu) BlockPool::add_consumer_stream(f.data, consumer > 0 ? uint64_t(consumer) : 1);
  auto* ctx = new DlpackContext{owner, shape, {}, {}};
  for (int64_t s : strides) ctx->strides.push_back(s / f.itemsize);
  DLTensor& t = ctx->tensor.dl_tensor;
  t.data = reinterpret_cast<void*>(data);
  t.device = gpu ? DLDevice{kDLCUDA, f.device} : DLDevice{kDLCPU, 0};
  t.ndim = static_cast<int32_t>(ctx->shape.size());
  t.dtype = {static_cast<uint8_t>(f.floating ? kDLFloat : kDLUInt), static_cast<uint8_t>(8 * f.itemsize), 1};
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
  t.byte_offset = 0;
  ctx->tensor.manager_ctx = ctx;
  ctx->tensor.deleter = &dl_delete;
  PyObject* cap = PyCapsule_New(&ctx->tensor, "dltensor", &capsule_destructor);
  if (!cap) {
    delete ctx;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(cap);
}

py::tuple dlpack_device(const Frame& f) {
  const bool gpu = f.device >= 0;
  return py::make_tuple(static_cast<int>(gpu ? kDLCUDA : kDLCPU), gpu ? static_cast<int>(f.device) : 0);
}

}  // namespace odvd::bindings
