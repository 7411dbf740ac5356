// The CUDA kernels of csrc/kernels/, compiled by nvcc into one fatbin (SASS for sm_75..sm_90 plus
// PTX) and embedded by cmake/EmbedFatbin.cmake. kFatbinSize is 0 in a build without nvcc.
#pragma once

#include <cstddef>

namespace odvd::kernels {
extern const unsigned char kFatbin[];
extern const std::size_t kFatbinSize;
}  // namespace odvd::kernels
