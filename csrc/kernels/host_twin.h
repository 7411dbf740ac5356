// Host runs of the kernels' per-thread code (kernels/*_block.h), over the same grid the launches
// use, so that tests check on any machine the exact code the GPU runs (docs/design.md "Where CPU and GPU
// meet").
#pragma once

#include "convert/resize_convert.h"
#include "kernels/yuv_to_rgb_block.h"

namespace odvd::kernels {

// Every (block, thread) of the odvd_yuv_to_rgb launch for `a`, one after another.
void yuv_to_rgb_on_host(const YuvToRgbArgs& a);

// Every (block, thread) of the odvd_resize_convert launch for `a`, one after another.
void resize_convert_on_host(const color::ResizeConvertArgs& a);

}  // namespace odvd::kernels
