// _decode_image(data, name): one JPEG or PNG image decoded by libavcodec into a frame the convert
// stage takes (decode/image_decode.h); the staged API's decode_image wraps it (docs/access-staged.md).
#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "bindings/frame_objects.h"
#include "bindings/register.h"
#include "decode/image_decode.h"
#include "frames/block_pool.h"

namespace py = pybind11;

namespace odvd::bindings {

void register_images(py::module_& m) {
  m.def(
      "_decode_image",
      [](const py::buffer& data, const std::string& name) {
        const py::buffer_info info = data.request();
        if (info.ndim != 1 || info.itemsize != 1 || (info.ndim == 1 && info.strides[0] != 1)) {
          throw std::invalid_argument(name + ": image bytes must be a contiguous 1-D byte buffer");
        }
        static const std::shared_ptr<BlockPool> pool = BlockPool::create();
        FramePtr frame;
        {
          py::gil_scoped_release release;
          frame = decode_image(static_cast<const uint8_t*>(info.ptr), static_cast<size_t>(info.size), name, *pool);
        }
        return DecodedFrameExt{std::move(frame)};
      },
      py::arg("data"), py::arg("name"),
      "One JPEG or PNG image (its whole file's bytes) -> a DecodedFrameExt on the host: NV12 for 4:2:0 "
      "JPEG, packed RGB otherwise. ValueError naming `name` for anything else.");
}

}  // namespace odvd::bindings
