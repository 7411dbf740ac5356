// The Python-visible frame types (distinct C++ types for pybind11), each holding a Frame reference.
#pragma once

#include "frames/frame.h"

namespace odvd::bindings {

struct DecodedFrameExt {
  static constexpr const char* kName = "DecodedFrameExt";
  FramePtr frame;
};

struct RGBFrame {
  static constexpr const char* kName = "RGBFrame";
  FramePtr frame;
};

}  // namespace odvd::bindings
