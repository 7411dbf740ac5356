#include "decode/nvdec/device_allocator.h"

#include <new>

namespace odvd {
namespace {
// CUDA_ERROR_OUT_OF_MEMORY (cuda.h); ffnvcodec's dynlink_cuda.h names only a few error codes.
constexpr auto kOutOfMemory = static_cast<CUresult>(2);
}  // namespace

uint8_t* DeviceAllocator::allocate(size_t bytes) {
  const CudaFunctions& cu = cuda::Driver::get().cuda();
  cuda::ScopedContext current(ctx_->get());
  CUdeviceptr p = 0;
  const CUresult r = cu.cuMemAlloc(&p, bytes);
  if (r == kOutOfMemory) throw std::bad_alloc();
  if (r != CUDA_SUCCESS) cuda::throw_cu_error(r, "cuMemAlloc", "allocating frame memory on GPU " + std::to_string(ctx_->index()));
  return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(p));
}

void DeviceAllocator::release(uint8_t* p) noexcept {
  cuda::QuietScopedContext current(ctx_->get());
  if (current.ok()) cuda::Driver::get().cuda().cuMemFree(static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p)));
}

StreamPtr make_stream(const std::shared_ptr<cuda::PrimaryContext>& ctx) {
  const CudaFunctions& cu = cuda::Driver::get().cuda();
  cuda::ScopedContext current(ctx->get());
  CUstream s = nullptr;
  ODVD_CHECK_CU(cu.cuStreamCreate(&s, 0x1 /* CU_STREAM_NON_BLOCKING */), "creating a CUDA stream");
  return StreamPtr(s, [ctx](CUstream_st* st) {
    cuda::QuietScopedContext current(ctx->get());
    if (current.ok()) cuda::Driver::get().cuda().cuStreamDestroy(st);
  });
}

}  // namespace odvd
