// The one translation unit nvcc compiles into the embedded fatbin (cmake/CudaKernels.cmake).
// Kernels are extern "C" so the host finds them by name with cuModuleGetFunction.

// Writes out[i] = (i * 2654435761) ^ seed: a pattern the host recomputes to prove that the embedded
// image loads, launches and writes device memory on this GPU (runtime/kernel_selftest.cpp).
extern "C" __global__ void odvd_selftest_pattern(unsigned int* out, unsigned int n, unsigned int seed) {
  const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = (i * 2654435761u) ^ seed;
}
