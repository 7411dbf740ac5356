// Sources that are not files, for Python: bytes-like objects (read in place through the buffer
// protocol) and binary file-like objects (read + seek, optionally readinto), registered under names
// that go wherever a path goes (common/byte_source.h). The Python layer registers them for one call
// and unregisters them after (_sources.py). docs/access-sources.md.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "bindings/register.h"
#include "common/byte_source.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

// A Python object released with the GIL held, whichever thread drops the last reference.
struct GilObject {
  py::object obj;
  ~GilObject() {
    if (!obj || !Py_IsInitialized()) {
      obj.release();
      return;
    }
    py::gil_scoped_acquire gil;
    obj = py::object();
  }
};

// bytes, bytearray, memoryview, NumPy arrays: contiguous bytes read in place (the view holds the object).
class BufferSource : public ByteSource {
 public:
  explicit BufferSource(const py::buffer& b) {
    view_ = std::make_unique<Py_buffer>();
    if (PyObject_GetBuffer(b.ptr(), view_.get(), PyBUF_C_CONTIGUOUS) != 0) throw py::error_already_set();
    kind_ = py::str(py::type::of(b).attr("__name__"));
  }
  ~BufferSource() override {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    PyBuffer_Release(view_.get());
  }
  int64_t size() const override { return static_cast<int64_t>(view_->len); }
  size_t read(int64_t offset, uint8_t* dst, size_t n) const override {
    if (offset < 0 || offset >= size()) return 0;
    const size_t got = std::min<size_t>(n, static_cast<size_t>(size() - offset));
    std::memcpy(dst, static_cast<const uint8_t*>(view_->buf) + offset, got);
    return got;
  }
  std::string label() const override { return "<" + kind_ + ": " + std::to_string(size()) + " bytes>"; }

 private:
  std::unique_ptr<Py_buffer> view_;
  std::string kind_;
};

// A binary file-like object: seek + readinto (or read), one read at a time, with the GIL.
class FileLikeSource : public ByteSource {
 public:
  explicit FileLikeSource(const py::object& f) {
    file_.obj = f;
    py::object cls = py::type::of(f);
    kind_ = py::str(cls.attr("__module__")).cast<std::string>() + "." + py::str(cls.attr("__qualname__")).cast<std::string>();
    const py::object end = f.attr("seek")(0, 2);
    size_ = end.is_none() ? f.attr("tell")().cast<int64_t>() : end.cast<int64_t>();
    has_readinto_ = py::hasattr(f, "readinto");
  }
  int64_t size() const override { return size_; }
  size_t read(int64_t offset, uint8_t* dst, size_t n) const override {
    if (offset < 0 || offset >= size_ || n == 0) return 0;
    n = std::min<size_t>(n, static_cast<size_t>(size_ - offset));
    std::lock_guard<std::mutex> lock(mutex_);  // a seek and its read together
    py::gil_scoped_acquire gil;
    try {
      file_.obj.attr("seek")(offset);
      if (has_readinto_) {
        py::object view = py::reinterpret_steal<py::object>(
            PyMemoryView_FromMemory(reinterpret_cast<char*>(dst), static_cast<Py_ssize_t>(n), PyBUF_WRITE));
        const py::object got = file_.obj.attr("readinto")(view);
        return got.is_none() ? 0 : got.cast<size_t>();
      }
      const py::bytes data = file_.obj.attr("read")(n);
      const std::string bytes = data;
      std::memcpy(dst, bytes.data(), std::min(bytes.size(), n));
      return std::min(bytes.size(), n);
    } catch (py::error_already_set& e) {
      throw std::invalid_argument(label() + ": reading " + std::to_string(n) + " bytes at " + std::to_string(offset) +
                                  " failed: " + e.what());
    }
  }
  std::string label() const override { return "<file-like " + kind_ + ">"; }

 private:
  GilObject file_;
  std::string kind_;
  int64_t size_ = 0;
  bool has_readinto_ = false;
  mutable std::mutex mutex_;
};

}  // namespace

void register_sources(py::module_& m) {
  m.def(
      "_register_bytes", [](const py::buffer& b) { return register_source(std::make_shared<BufferSource>(b)); },
      py::arg("data"), "Registers a bytes-like object as a source; its name (starting with a NUL) goes where a path goes.");
  m.def(
      "_register_file", [](const py::object& f) { return register_source(std::make_shared<FileLikeSource>(f)); },
      py::arg("file"), "Registers a binary file-like object (seek + read/readinto) as a source.");
  m.def(
      "_unregister_source", [](const std::string& name) { unregister_source(name); }, py::arg("name"));
}

}  // namespace odvd::bindings
