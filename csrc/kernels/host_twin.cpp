#include "kernels/host_twin.h"

namespace odvd::kernels {

void yuv_to_rgb_on_host(const YuvToRgbArgs& a) {
  // The launch: grid = ceil(pairs / kBlockX) x ceil(chroma rows / kBlockY) blocks of kBlockX x kBlockY.
  const int32_t pairs = (a.width + 1) / 2, rows = (a.height + 1) / 2;
  const int32_t grid_x = (pairs + kBlockX - 1) / kBlockX, grid_y = (rows + kBlockY - 1) / kBlockY;
  for (int32_t gy = 0; gy < grid_y; ++gy)
    for (int32_t gx = 0; gx < grid_x; ++gx)
      for (int32_t ty = 0; ty < kBlockY; ++ty)
        for (int32_t tx = 0; tx < kBlockX; ++tx) yuv_to_rgb_block(a, gx * kBlockX + tx, gy * kBlockY + ty);
}

void resize_convert_on_host(const color::ResizeConvertArgs& a) {
  // The launch: grid = ceil(out_width / kResizeBlockX) x ceil(out_height / kResizeBlockY) blocks.
  using color::kResizeBlockX;
  using color::kResizeBlockY;
  const int32_t grid_x = (a.out_width + kResizeBlockX - 1) / kResizeBlockX;
  const int32_t grid_y = (a.out_height + kResizeBlockY - 1) / kResizeBlockY;
  for (int32_t gy = 0; gy < grid_y; ++gy)
    for (int32_t gx = 0; gx < grid_x; ++gx)
      for (int32_t ty = 0; ty < kResizeBlockY; ++ty)
        for (int32_t tx = 0; tx < kResizeBlockX; ++tx)
          color::resize_convert_pixel(a, gx * kResizeBlockX + tx, gy * kResizeBlockY + ty);
}

}  // namespace odvd::kernels
