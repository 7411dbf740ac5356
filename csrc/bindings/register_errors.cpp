// C++ exception types -> Python exception types, as docs/design.md "Errors" says. pybind11 itself maps
// std::invalid_argument to ValueError, std::out_of_range to IndexError and std::runtime_error to
// RuntimeError; only the types it does not know are translated here.
#include <Python.h>

#include <string>

#include "bindings/register.h"
#include "common/error.h"

namespace odvd::bindings {

void register_errors(pybind11::module_& /*m*/) {
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const odvd::FileNotFound& e) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    } catch (const odvd::OsError& e) {
      // OSError(errno, message, filename): Python picks the subclass for the errno itself.
      pybind11::object error = pybind11::reinterpret_borrow<pybind11::object>(PyExc_OSError)(
          e.error(), std::string(e.what()), e.path());
      PyErr_SetObject(PyExc_OSError, error.ptr());
    }
  });
}

}  // namespace odvd::bindings
