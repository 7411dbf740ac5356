// DLPack export (__dlpack__ / __dlpack_device__) of a frame's memory, for the whole frame
// (register_frames.cpp) and for one plane of it (register_plane_views.cpp). The capsule holds a
// reference to the frame, so the pixels live as long as the consumer's tensor.
#pragma once

#include <cstdint>
#include <vector>

#include <pybind11/pybind11.h>

#include "frames/frame.h"

namespace odvd::bindings {

// A DLPack capsule ("dltensor") over `data` with `shape` and byte `strides`, inside frame `owner`.
// stream, dl_device and copy are the Array API's keywords: the view is exported only in place, on
// the frame's own device (BufferError otherwise); for a GPU frame the consumer's stream is fenced
// before the memory is reused.
pybind11::capsule dlpack_export(const FramePtr& owner, uintptr_t data, const std::vector<int64_t>& shape,
                                const std::vector<int64_t>& strides, const pybind11::object& stream,
                                const pybind11::object& dl_device, const pybind11::object& copy, const char* what);

// (device_type, device_id) as DLPack numbers them: (kDLCPU, 0) or (kDLCUDA, N).
pybind11::tuple dlpack_device(const Frame& f);

}  // namespace odvd::bindings
