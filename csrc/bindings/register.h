// One register_xxx(m) per binding file; module.cpp calls them all.
#pragma once

#include <pybind11/pybind11.h>

namespace odvd::bindings {
void register_errors(pybind11::module_& m);
void register_block_pool(pybind11::module_& m);
void register_build_info(pybind11::module_& m);
void register_convert(pybind11::module_& m);
void register_frames(pybind11::module_& m);
void register_gop_decoder(pybind11::module_& m);
void register_index(pybind11::module_& m);
void register_sample_reader(pybind11::module_& m);
void register_bitstream(pybind11::module_& m);
}  // namespace odvd::bindings
