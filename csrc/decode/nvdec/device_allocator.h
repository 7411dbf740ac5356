// Device memory for BlockPool (frames/block_pool.h): cuMemAlloc / cuMemFree in a device's primary
// context, which the allocator keeps retained for as long as any block exists, so a frame freed
// after its decoder (or at interpreter exit) still frees into a live context.
#pragma once

#include <memory>
#include <vector>

#include "frames/block_pool.h"
#include "runtime/cuda_context.h"

namespace odvd {

class DeviceAllocator final : public BlockAllocator {
 public:
  explicit DeviceAllocator(std::shared_ptr<cuda::PrimaryContext> ctx) : ctx_(std::move(ctx)) {}
  // std::bad_alloc (MemoryError) when the device is out of memory, std::runtime_error otherwise.
  uint8_t* allocate(size_t bytes) override;
  // Errors are ignored: at interpreter exit the driver may already be shut down.
  void release(uint8_t* p) noexcept override;
  // CUDA events recorded on the consumer streams (1 and 2, the default streams, as the legacy default
  // stream, which every blocking stream synchronises with); a stream handle that no longer records
  // falls back to the legacy default stream too. Null when no event could be made.
  Fence record_fence(const std::vector<uint64_t>& streams) noexcept override;
  bool fence_passed(const Fence& fence) noexcept override;
  void wait(const Fence& fence) noexcept override;

 private:
  std::shared_ptr<cuda::PrimaryContext> ctx_;
};

// A CUDA stream (non-blocking) owned by shared_ptr: destroyed, in its context, when the last owner
// (a session, the device, a frame that names it in __cuda_array_interface__) lets go.
using StreamPtr = std::shared_ptr<CUstream_st>;
StreamPtr make_stream(const std::shared_ptr<cuda::PrimaryContext>& ctx);

}  // namespace odvd
