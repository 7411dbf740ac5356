// The NumPy array interface and the CUDA Array Interface (version 3) of a frame's memory, for the
// whole frame (register_frames.cpp) and for one plane of it (register_plane_views.cpp): one place
// for the dictionaries, the device checks and the stream fencing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "frames/frame.h"

namespace odvd::bindings {

// An array over a frame's memory: the whole frame, or one of its planes.
struct ArrayView {
  const Frame& frame;
  uintptr_t data;
  const std::vector<int64_t>& shape;
  const std::vector<int64_t>& strides;
};

inline ArrayView whole(const Frame& f) {
  return {f, reinterpret_cast<uintptr_t>(f.data.get()), f.shape, f.strides};
}

pybind11::tuple as_tuple(const std::vector<int64_t>& v);
// "|u1", "<u2" or "<f4", the frame's sample type.
const char* typestr(const Frame& f);
// "cpu" or "cuda:N".
std::string device_name(const Frame& f);

// __array_interface__ of a view of a host frame; TypeError naming `what` (frame, plane) and `gpu_hint`
// (how to read it instead) for a frame in GPU memory.
pybind11::dict array_interface(const ArrayView& v, const char* what, const std::string& gpu_hint);
// __cuda_array_interface__ (version 3, with the frame's stream) of a view of a frame in GPU memory;
// AttributeError naming `what` for a host frame.
pybind11::dict cuda_array_interface(const ArrayView& v, const char* what);

}  // namespace odvd::bindings
