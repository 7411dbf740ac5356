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

namespace {

// CU_STREAM_LEGACY: the legacy default stream, whatever the thread.
CUstream legacy_stream() { return reinterpret_cast<CUstream>(uintptr_t(1)); }
constexpr auto kNotReady = static_cast<CUresult>(600);  // CUDA_ERROR_NOT_READY
constexpr unsigned kDisableTiming = 0x2;                 // CU_EVENT_DISABLE_TIMING

struct Events {
  std::shared_ptr<cuda::PrimaryContext> ctx;
  std::vector<CUevent> events;
  ~Events() {
    cuda::QuietScopedContext current(ctx->get());
    if (!current.ok()) return;
    for (CUevent e : events) cuda::Driver::get().cuda().cuEventDestroy(e);
  }
};

}  // namespace

BlockAllocator::Fence DeviceAllocator::record_fence(const std::vector<uint64_t>& streams) noexcept {
  try {
    const CudaFunctions& cu = cuda::Driver::get().cuda();
    cuda::QuietScopedContext current(ctx_->get());
    if (!current.ok()) return nullptr;
    auto fence = std::make_shared<Events>();
    fence->ctx = ctx_;
    for (uint64_t s : streams) {
      CUevent e = nullptr;
      if (cu.cuEventCreate(&e, kDisableTiming) != CUDA_SUCCESS) continue;
      const CUstream stream = s <= 2 ? legacy_stream() : reinterpret_cast<CUstream>(uintptr_t(s));
      if (cu.cuEventRecord(e, stream) != CUDA_SUCCESS && cu.cuEventRecord(e, legacy_stream()) != CUDA_SUCCESS) {
        cu.cuEventDestroy(e);
        continue;
      }
      fence->events.push_back(e);
    }
    if (fence->events.empty()) return nullptr;
    return fence;
  } catch (...) {
    return nullptr;
  }
}

bool DeviceAllocator::fence_passed(const Fence& fence) noexcept {
  if (!fence) return true;
  const CudaFunctions& cu = cuda::Driver::get().cuda();
  cuda::QuietScopedContext current(ctx_->get());
  if (!current.ok()) return true;
  for (CUevent e : static_cast<const Events*>(fence.get())->events) {
    if (cu.cuEventQuery(e) == kNotReady) return false;
  }
  return true;
}

void DeviceAllocator::wait(const Fence& fence) noexcept {
  if (!fence) return;
  const CudaFunctions& cu = cuda::Driver::get().cuda();
  cuda::QuietScopedContext current(ctx_->get());
  if (!current.ok()) return;
  for (CUevent e : static_cast<const Events*>(fence.get())->events) cu.cuEventSynchronize(e);
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
