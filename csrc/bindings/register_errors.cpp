// C++ exception types -> Python exception types, as docs/design.md "Errors" says. pybind11 itself maps
// std::invalid_argument to ValueError, std::out_of_range to IndexError and std::runtime_error to
// RuntimeError; only the types it does not know are translated here.
//
// Four Python types are made here and exported by _engine: SourceNotFoundError (FileNotFoundError,
// RuntimeError), FrameIndexError (IndexError, RuntimeError), CorruptDataError (ValueError,
// RuntimeError) and FrameNotInBundleError (ValueError, RuntimeError). Each is the Python type its
// meaning calls for, and also the RuntimeError accvlab raises for the same input, so
// `except RuntimeError` written for accvlab keeps catching them.
#include <Python.h>

#include <string>

#include "bindings/register.h"
#include "common/error.h"

namespace odvd::bindings {
namespace {

PyObject* source_not_found = nullptr;
PyObject* frame_index_error = nullptr;
PyObject* corrupt_data_error = nullptr;
PyObject* not_in_bundle_error = nullptr;

// A new exception type `on_demand_video_decoder.<name>` with two bases, kept alive by the module.
PyObject* make_error_type(pybind11::module_& m, const char* name, PyObject* first, PyObject* second,
                          const char* doc) {
  pybind11::tuple bases = pybind11::make_tuple(pybind11::handle(first), pybind11::handle(second));
  std::string qualified = std::string("on_demand_video_decoder.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw pybind11::error_already_set();
  m.add_object(name, pybind11::handle(type));  // the module holds a reference from here on
  Py_DECREF(type);
  return type;
}

}  // namespace

void register_errors(pybind11::module_& m) {
  source_not_found = make_error_type(
      m, "SourceNotFoundError", PyExc_FileNotFoundError, PyExc_RuntimeError,
      "A video file (or other source) that is not there: a FileNotFoundError, and a RuntimeError as "
      "accvlab raises for a missing file.");
  frame_index_error = make_error_type(
      m, "FrameIndexError", PyExc_IndexError, PyExc_RuntimeError,
      "A frame id outside the video's frames (the message gives the valid range): an IndexError, and "
      "a RuntimeError as accvlab raises for a bad frame id.");
  corrupt_data_error = make_error_type(
      m, "CorruptDataError", PyExc_ValueError, PyExc_RuntimeError,
      "Video data or a GOP bundle that cannot be read (unreadable container, truncated file, damaged "
      "packet, bundle or index; in strict mode a frame decoded from damaged data): a ValueError, and a "
      "RuntimeError as accvlab raises for corrupt data.");
  not_in_bundle_error = make_error_type(
      m, "FrameNotInBundleError", PyExc_ValueError, PyExc_RuntimeError,
      "A frame asked of GOP bundles that no entry of its own file holds (the message lists what the "
      "bundles hold): a ValueError, and a RuntimeError as accvlab raises for it.");
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const odvd::FileNotFound& e) {
      PyErr_SetString(source_not_found, e.what());
    } catch (const odvd::FrameOutOfRange& e) {
      PyErr_SetString(frame_index_error, e.what());
    } catch (const odvd::NotInBundle& e) {
      PyErr_SetString(not_in_bundle_error, e.what());
    } catch (const odvd::DataError& e) {
      PyErr_SetString(corrupt_data_error, e.what());
    } catch (const odvd::OsError& e) {
      // OSError(errno, message, filename): Python picks the subclass for the errno itself.
      pybind11::object error = pybind11::reinterpret_borrow<pybind11::object>(PyExc_OSError)(
          e.error(), std::string(e.what()), e.path());
      PyErr_SetObject(PyExc_OSError, error.ptr());
    }
  });
}

}  // namespace odvd::bindings
