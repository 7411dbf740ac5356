#include "decode/nvdec/gpu_device.h"

#include <map>
#include <stdexcept>

#include "decode/nvdec/device_allocator.h"
#include "kernels/fatbin.h"
#include "kernels/yuv_to_rgb_block.h"

namespace odvd {
namespace {

const CudaFunctions& cu() { return cuda::Driver::get().cuda(); }

unsigned blocks(int32_t n, int32_t per) { return static_cast<unsigned>((n + per - 1) / per); }

}  // namespace

std::shared_ptr<GpuDevice> GpuDevice::get(int index) {
  static std::mutex mutex;
  static std::map<int, std::weak_ptr<GpuDevice>> devices;
  std::lock_guard<std::mutex> lock(mutex);
  std::weak_ptr<GpuDevice>& slot = devices[index];
  if (std::shared_ptr<GpuDevice> d = slot.lock()) return d;
  std::shared_ptr<GpuDevice> d(new GpuDevice(index));
  slot = d;
  return d;
}

GpuDevice::GpuDevice(int index)
    : ctx_(std::make_shared<cuda::PrimaryContext>(index)),
      pool_(BlockPool::create(size_t(1) << 30, std::make_shared<DeviceAllocator>(ctx_), /*stream_ordered=*/true)) {
  cuda::Driver::get().cuvid();  // throws, naming libnvcuvid, when NVDEC is missing
  if (kernels::kFatbinSize == 0) {
    throw std::runtime_error("this build has no CUDA kernels (nvcc was not found when it was built); rebuild with "
                             "nvcc on PATH for GPU decoding, or use iGpu=-1");
  }
  cuda::ScopedContext current(ctx_->get());
  ODVD_CHECK_CU(cu().cuModuleLoadData(&module_, kernels::kFatbin),
                "loading the embedded kernels (does the fatbin cover this GPU's architecture?)");
  ODVD_CHECK_CU(cu().cuModuleGetFunction(&yuv_to_rgb_, module_, "odvd_yuv_to_rgb"), "finding odvd_yuv_to_rgb");
  ODVD_CHECK_CU(cu().cuModuleGetFunction(&resize_convert_, module_, "odvd_resize_convert"),
                "finding odvd_resize_convert");
  own_stream_ = make_stream(ctx_);
}

GpuDevice::~GpuDevice() {
  cuda::QuietScopedContext current(ctx_->get());
  if (current.ok() && module_) cu().cuModuleUnload(module_);
}

FramePtr GpuDevice::copy(const Frame& f) {
  auto c = std::make_shared<Frame>(f);
  c->data = pool_->acquire(f.bytes());
  cuda::ScopedContext current(ctx_->get());
  const auto ptr = [](const std::shared_ptr<uint8_t>& p) { return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p.get())); };
  ODVD_CHECK_CU(cu().cuMemcpyDtoDAsync(ptr(c->data), ptr(f.data), f.bytes(), own_stream_.get()), "copying a frame");
  ODVD_CHECK_CU(cu().cuStreamSynchronize(own_stream_.get()), "copying a frame");
  c->stream = reinterpret_cast<uint64_t>(own_stream_.get());
  c->stream_owner = own_stream_;
  return c;
}

FramePtr GpuDevice::to_host(const Frame& f, BlockPool& host) {
  auto c = std::make_shared<Frame>(f);
  c->data = host.acquire(f.bytes());
  c->device = -1;
  c->stream = 0;
  c->stream_owner.reset();
  cuda::PrimaryContext ctx(f.device);
  cuda::ScopedContext current(ctx.get());
  ODVD_CHECK_CU(cu().cuMemcpyDtoH(c->data.get(), static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(f.data.get())),
                                  f.bytes()),
                "copying a frame to host memory");
  return c;
}

std::vector<FramePtr> GpuDevice::convert(const std::vector<FramePtr>& natives, bool bgr,
                                         const OutputOptions* options, const StreamPtr& on) {
  const StreamPtr& stream = on ? on : own_stream_;
  const OutputOptions plain;
  const OutputOptions& o = options ? *options : plain;
  for (const auto& f : natives) {
    if (f->device != ctx_->index()) throw std::invalid_argument("GPU conversion of a frame that is not on this GPU");
  }
  const OutputPlan plan = plan_outputs(natives, o, *pool_);
  cuda::ScopedContext current(ctx_->get());
  for (size_t i = 0; i < natives.size(); ++i) {
    color::ResizeConvertArgs a = convert_args(*natives[i], bgr, o, plan.outs[i]);
    if (o.plain()) {
      // The plain path: one thread per 2x2 block (kernels/yuv_to_rgb_block.h).
      kernels::YuvToRgbArgs p{};
      p.luma = a.luma;
      p.chroma = a.chroma;
      p.out = a.out;
      p.luma_pitch = a.luma_pitch;
      p.chroma_pitch = a.chroma_pitch;
      p.out_pitch = a.out_row_pitch;
      p.width = a.src_width;
      p.height = a.src_height;
      p.bit_depth = a.bit_depth;
      p.bgr = a.bgr;
      p.coeff = a.coeff;
      void* args[] = {&p};
      ODVD_CHECK_CU(cu().cuLaunchKernel(yuv_to_rgb_, blocks((p.width + 1) / 2, kernels::kBlockX),
                                        blocks((p.height + 1) / 2, kernels::kBlockY), 1, kernels::kBlockX,
                                        kernels::kBlockY, 1, 0, stream.get(), args, nullptr),
                    "launching odvd_yuv_to_rgb");
    } else {
      void* args[] = {&a};
      ODVD_CHECK_CU(cu().cuLaunchKernel(resize_convert_, blocks(a.out_width, color::kResizeBlockX),
                                        blocks(a.out_height, color::kResizeBlockY), 1, color::kResizeBlockX,
                                        color::kResizeBlockY, 1, 0, stream.get(), args, nullptr),
                    "launching odvd_resize_convert");
    }
  }
  ODVD_CHECK_CU(cu().cuStreamSynchronize(stream.get()), "finishing the GPU colour conversion");
  std::vector<FramePtr> out = finish_outputs(natives, bgr, o, plan);
  for (auto& f : out) {
    f->stream = reinterpret_cast<uint64_t>(stream.get());
    f->stream_owner = stream;
  }
  return out;
}

}  // namespace odvd
