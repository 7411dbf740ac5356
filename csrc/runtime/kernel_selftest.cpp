#include "runtime/kernel_selftest.h"

#include <stdexcept>
#include <vector>

#include "kernels/fatbin.h"
#include "runtime/cuda_context.h"

namespace odvd::cuda {

namespace {

void require_embedded_kernels() {
  if (kernels::kFatbinSize == 0) {
    throw std::runtime_error(
        "this build of on_demand_video_decoder has no CUDA kernels (nvcc was not found when it was "
        "built); rebuild with nvcc on PATH for GPU decoding");
  }
}

// Owns a loaded module in the current context.
class LoadedModule {
 public:
  LoadedModule() {
    require_embedded_kernels();
    ODVD_CHECK_CU(Driver::get().cuda().cuModuleLoadData(&mod_, kernels::kFatbin),
                  "loading the embedded kernels (does the fatbin cover this GPU's architecture?)");
  }
  ~LoadedModule() { Driver::get().cuda().cuModuleUnload(mod_); }
  LoadedModule(const LoadedModule&) = delete;
  LoadedModule& operator=(const LoadedModule&) = delete;

  CUfunction function(const char* name) const {
    CUfunction f = nullptr;
    ODVD_CHECK_CU(Driver::get().cuda().cuModuleGetFunction(&f, mod_, name), std::string("finding ") + name);
    return f;
  }

 private:
  CUmodule mod_ = nullptr;
};

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) {
    ODVD_CHECK_CU(Driver::get().cuda().cuMemAlloc(&ptr_, bytes), "allocating device memory");
  }
  ~DeviceBuffer() { Driver::get().cuda().cuMemFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  CUdeviceptr get() const { return ptr_; }

 private:
  CUdeviceptr ptr_ = 0;
};

}  // namespace

SelftestResult run_kernel_selftest(int device) {
  require_embedded_kernels();  // a build without kernels is the more basic problem: say that first
  const CudaFunctions& cu = Driver::get().cuda();
  PrimaryContext ctx(device);
  ScopedContext current(ctx.get());
  LoadedModule module;
  CUfunction fn = module.function("odvd_selftest_pattern");

  unsigned int n = 1u << 20;
  unsigned int seed = 0x5eedu;
  DeviceBuffer buf(n * sizeof(unsigned int));
  CUdeviceptr out = buf.get();
  void* args[] = {&out, &n, &seed};
  const unsigned int block = 256;
  ODVD_CHECK_CU(cu.cuLaunchKernel(fn, (n + block - 1) / block, 1, 1, block, 1, 1, 0, nullptr, args, nullptr),
                "launching the self-test kernel");
  std::vector<unsigned int> host(n);
  // A synchronous copy on the legacy default stream waits for the kernel.
  ODVD_CHECK_CU(cu.cuMemcpyDtoH(host.data(), out, n * sizeof(unsigned int)), "reading the self-test output");
  for (unsigned int i = 0; i < n; ++i) {
    const unsigned int expected = (i * 2654435761u) ^ seed;
    if (host[i] != expected) {
      throw std::runtime_error("CUDA self-test kernel wrote " + std::to_string(host[i]) + " at index " +
                               std::to_string(i) + ", expected " + std::to_string(expected));
    }
  }
  SelftestResult result;
  result.device = device;
  result.device_name = Driver::get().status().devices.at(device).name;
  result.elements = n;
  return result;
}

}  // namespace odvd::cuda
