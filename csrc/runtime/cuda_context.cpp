#include "runtime/cuda_context.h"

#include <stdexcept>
#include <string>

namespace odvd::cuda {

PrimaryContext::PrimaryContext(int index) : index_(index) {
  const CudaFunctions& cu = Driver::get().cuda();
  const int count = static_cast<int>(Driver::get().status().devices.size());
  if (index < 0 || index >= count) {
    throw std::runtime_error("iGpu=" + std::to_string(index) + " is not a usable GPU: " +
                             std::to_string(count) + " CUDA device(s) visible");
  }
  const std::string where = "retaining the primary context of device " + std::to_string(index);
  ODVD_CHECK_CU(cu.cuDeviceGet(&dev_, index), where);
  ODVD_CHECK_CU(cu.cuDevicePrimaryCtxRetain(&ctx_, dev_), where);
}

PrimaryContext::~PrimaryContext() {
  // Release never fails for a context we retained; there is nothing useful to do if it did.
  if (ctx_ != nullptr) Driver::get().cuda().cuDevicePrimaryCtxRelease(dev_);
}

ScopedContext::ScopedContext(CUcontext ctx) {
  ODVD_CHECK_CU(Driver::get().cuda().cuCtxPushCurrent(ctx), "making the CUDA context current");
}

ScopedContext::~ScopedContext() {
  CUcontext popped = nullptr;
  Driver::get().cuda().cuCtxPopCurrent(&popped);
}

QuietScopedContext::QuietScopedContext(CUcontext ctx) noexcept
    : ok_(Driver::get().cuda().cuCtxPushCurrent(ctx) == CUDA_SUCCESS) {}

QuietScopedContext::~QuietScopedContext() {
  if (!ok_) return;
  CUcontext popped = nullptr;
  Driver::get().cuda().cuCtxPopCurrent(&popped);
}

}  // namespace odvd::cuda
