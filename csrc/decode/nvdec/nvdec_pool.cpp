#include "decode/nvdec/nvdec_pool.h"

#include <stdexcept>

#include "decode/nvdec/device_allocator.h"
#include "kernels/fatbin.h"
#include "kernels/yuv_to_rgb_block.h"

namespace odvd {
namespace {

const CudaFunctions& cu() { return cuda::Driver::get().cuda(); }

unsigned blocks(int32_t n, int32_t per) { return static_cast<unsigned>((n + per - 1) / per); }

}  // namespace

GpuDevice::GpuDevice(int index, size_t max_sessions)
    : ctx_(std::make_shared<cuda::PrimaryContext>(index)),
      pool_(BlockPool::create(size_t(1) << 30, std::make_shared<DeviceAllocator>(ctx_))),
      max_sessions_(max_sessions) {
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
  convert_stream_ = make_stream(ctx_);
}

GpuDevice::~GpuDevice() {
  idle_.clear();  // sessions first; streams go when their last owner (maybe a frame) does
  cuda::QuietScopedContext current(ctx_->get());
  if (current.ok() && module_) cu().cuModuleUnload(module_);
}

std::unique_ptr<NvdecDecoder> GpuDevice::take(const StreamParams& params) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Best: same codec and depth, configured for at least this coded size; next: same codec.
  auto best = idle_.end();
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (it->decoder->codec() != params.codec) continue;
    const bool fits = it->bit_depth == params.bit_depth && it->decoder->max_width() >= uint32_t(params.width) &&
                      it->decoder->max_height() >= uint32_t(params.height);
    if (fits) {
      best = it;
      break;
    }
    if (best == idle_.end()) best = it;
  }
  if (best != idle_.end()) {
    auto d = std::move(best->decoder);
    idle_.erase(best);
    return d;
  }
  StreamPtr s;
  if (!free_streams_.empty()) {
    s = std::move(free_streams_.back());
    free_streams_.pop_back();
  } else {
    s = make_stream(ctx_);
  }
  return std::make_unique<NvdecDecoder>(ctx_, params.codec, std::move(s));
}

void GpuDevice::give_back(std::unique_ptr<NvdecDecoder> d) noexcept {
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    const int depth = d->bit_depth();
    idle_.push_front(Idle{std::move(d), depth});
    while (idle_.size() > max_sessions_) {  // least recently used first out; its stream is reused
      free_streams_.push_back(idle_.back().decoder->stream());
      idle_.pop_back();
    }
  } catch (...) {
    // Out of memory for the list: the session (if still here) is destroyed with `d`.
  }
}

void GpuDevice::release_decoders() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& i : idle_) free_streams_.push_back(i.decoder->stream());
  idle_.clear();
}

void GpuDevice::release_memory() { pool_->trim(); }

FramePtr GpuDevice::copy(const Frame& f) {
  auto c = std::make_shared<Frame>(f);
  c->data = pool_->acquire(f.bytes());
  cuda::ScopedContext current(ctx_->get());
  const auto ptr = [](const std::shared_ptr<uint8_t>& p) { return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p.get())); };
  ODVD_CHECK_CU(cu().cuMemcpyDtoDAsync(ptr(c->data), ptr(f.data), f.bytes(), convert_stream_.get()), "copying a frame");
  ODVD_CHECK_CU(cu().cuStreamSynchronize(convert_stream_.get()), "copying a frame");
  c->stream = reinterpret_cast<uint64_t>(convert_stream_.get());
  c->stream_owner = convert_stream_;
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
  const StreamPtr& stream = on ? on : convert_stream_;
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
