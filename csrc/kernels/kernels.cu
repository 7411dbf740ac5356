// The one translation unit nvcc compiles into the embedded fatbin (cmake/CudaKernels.cmake).
// Kernels are extern "C" so the host finds them by name with cuModuleGetFunction. Each kernel's
// per-thread work lives in a header compiled for the host too (kernels/host_twin.cpp), where the
// tests run it.
#include "convert/resize_convert.h"
#include "kernels/yuv_to_rgb_block.h"

// Writes out[i] = (i * 2654435761) ^ seed: a pattern the host recomputes to prove that the embedded
// image loads, launches and writes device memory on this GPU (runtime/kernel_selftest.cpp).
extern "C" __global__ void odvd_selftest_pattern(unsigned int* out, unsigned int n, unsigned int seed) {
  const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = (i * 2654435761u) ^ seed;
}

// NV12 / P016 -> packed RGB / BGR. Launch: block (kBlockX, kBlockY), grid covering
// ((width + 1) / 2, (height + 1) / 2) chroma pairs; one thread per 2x2 pixel block.
extern "C" __global__ void odvd_yuv_to_rgb(odvd::kernels::YuvToRgbArgs a) {
  odvd::kernels::yuv_to_rgb_block(a, static_cast<int32_t>(blockIdx.x * blockDim.x + threadIdx.x),
                                  static_cast<int32_t>(blockIdx.y * blockDim.y + threadIdx.y));
}

// NV12 / P016 -> RGB / BGR with output options (size, CHW, float32 normalised). Launch: block
// (kResizeBlockX, kResizeBlockY), grid covering (out_width, out_height); one thread per output pixel.
extern "C" __global__ void odvd_resize_convert(odvd::color::ResizeConvertArgs a) {
  odvd::color::resize_convert_pixel(a, static_cast<int32_t>(blockIdx.x * blockDim.x + threadIdx.x),
                                    static_cast<int32_t>(blockIdx.y * blockDim.y + threadIdx.y));
}
