// One register_xxx(m) per binding file; module.cpp calls them all.
#pragma once

#include <pybind11/pybind11.h>

#include "frames/frame.h"

namespace odvd {
class GopReader;
class VideoFile;
}

namespace odvd::bindings {
void register_errors(pybind11::module_& m);
void register_block_pool(pybind11::module_& m);
void register_build_info(pybind11::module_& m);
void register_convert(pybind11::module_& m);
void register_frames(pybind11::module_& m);
void register_plane_views(pybind11::module_& m);
void register_pixel_format(pybind11::module_& m);
void register_gop_decoder(pybind11::module_& m);
void register_index(pybind11::module_& m);
void register_sample_reader(pybind11::module_& m);
void register_bitstream(pybind11::module_& m);
void register_logging(pybind11::module_& m);
void register_writer(pybind11::module_& m);
void register_sources(pybind11::module_& m);
void register_images(pybind11::module_& m);

// DecodedFrameExt.cuda() / nvcv_image(): the frame's planes as CAIMemoryView objects
// (register_plane_views.cpp).
pybind11::list plane_views(const FramePtr& frame);
// What the engine knows of an opened file: its stream parameters and every sample of its index
// (register_index.cpp; _index_report, and _GopEngine.index_report for a decoder's cached files).
pybind11::dict index_report(const VideoFile& file);
// Every GOP of an opened file, as a bundle of it would carry the GOP (gop/gop_plan.h gop_spans), with
// the byte range of the GOP's own packets in the file (register_index.cpp; _GopEngine.gop_table).
pybind11::dict gop_table(const GopReader& reader);
// DecodedFrameExt.format: a PixelFormat equal to its name and to accvlab's number (register_pixel_format.cpp).
pybind11::object pixel_format(FrameLayout layout);
}  // namespace odvd::bindings
