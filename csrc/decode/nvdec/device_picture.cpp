#include "decode/nvdec/device_picture.h"

#include "convert/chroma_upsample.h"
#include "convert/color_resolve.h"

namespace odvd {
namespace {

const CudaFunctions& cu() { return cuda::Driver::get().cuda(); }

// A picture held past its callback: its native frame, taken from the surface at keep().
class KeptDevicePicture final : public DevicePicture {
 public:
  KeptDevicePicture(GpuDevice& gpu, StreamPtr stream, FramePtr native)
      : DevicePicture(gpu, std::move(stream)), native_(std::move(native)) {}

 protected:
  FramePtr native() override { return native_; }

 private:
  FramePtr native_;
};

}  // namespace

FramePtr copy_surface(const Surface& s, GpuDevice& gpu, const StreamPtr& stream, const StreamParams& params,
                      const std::string& context) {
  // The CPU backend's native layout: H luma rows then (H + 1) / 2 rows of U, V pairs, each row `cols`
  // samples (the width rounded up to even, an odd width repeating its last luma sample), tightly packed.
  const int itemsize = s.bit_depth > 8 ? 2 : 1;
  const uint32_t w = s.width, h = s.height, cols = w + (w & 1);
  const size_t pitch = size_t(cols) * itemsize;
  auto frame = std::make_shared<Frame>();
  frame->data = gpu.pool().acquire(pitch * (h + (h + 1) / 2));
  const CUdeviceptr dst = static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(frame->data.get()));

  CUDA_MEMCPY2D c{};
  c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  c.srcDevice = static_cast<CUdeviceptr>(s.luma);
  c.srcPitch = s.luma_pitch;
  c.srcXInBytes = size_t(s.left) * itemsize;
  c.srcY = static_cast<size_t>(s.top);
  c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c.dstDevice = dst;
  c.dstPitch = pitch;
  c.WidthInBytes = size_t(w) * itemsize;
  c.Height = h;
  ODVD_CHECK_CU(cu().cuMemcpy2DAsync(&c, stream.get()), context + ": copying the luma plane");
  if (w & 1) {  // the padding column repeats the last sample, as on the CPU backend
    CUDA_MEMCPY2D pad = c;
    pad.srcXInBytes += size_t(w - 1) * itemsize;
    pad.dstXInBytes = size_t(w) * itemsize;
    pad.WidthInBytes = itemsize;
    ODVD_CHECK_CU(cu().cuMemcpy2DAsync(&pad, stream.get()), context + ": padding the luma plane");
  }
  // Chroma: (w + 1) / 2 pairs per row from an even column, every row of the display area's half.
  c.srcDevice = static_cast<CUdeviceptr>(s.chroma);
  c.srcPitch = s.chroma_pitch;
  c.srcXInBytes = size_t(s.left & ~1) * itemsize;
  c.srcY = static_cast<size_t>(s.top / 2);
  c.dstDevice = dst + pitch * h;
  c.WidthInBytes = pitch;
  c.Height = (h + 1) / 2;
  ODVD_CHECK_CU(cu().cuMemcpy2DAsync(&c, stream.get()), context + ": copying the chroma plane");

  frame->device = gpu.index();
  frame->stream = reinterpret_cast<uint64_t>(stream.get());
  frame->stream_owner = stream;
  frame->layout = s.bit_depth > 8 ? FrameLayout::kP016 : FrameLayout::kNV12;
  frame->width = static_cast<int32_t>(w);
  frame->height = static_cast<int32_t>(h);
  frame->bit_depth = s.bit_depth;
  frame->itemsize = itemsize;
  frame->shape = {int64_t(h + (h + 1) / 2), int64_t(cols)};
  frame->strides = {int64_t(pitch), itemsize};
  frame->time_base_num = params.time_base_num;
  frame->time_base_den = params.time_base_den;
  const color::ColorSpec spec = color::resolve_color(params.color_space, params.color_range, static_cast<int>(h));
  frame->color_matrix = static_cast<int32_t>(spec.matrix);
  frame->color_range = static_cast<int32_t>(spec.range);
  frame->chroma_siting = static_cast<int32_t>(color::resolve_siting(params.chroma_location));
  frame->color_range_signalled = range_signalled(params);
  return frame;
}

FramePtr DevicePicture::frame(OutputFormat out) {
  FramePtr n = native();
  if (out == OutputFormat::kNative) return n;
  return gpu_.convert({n}, out == OutputFormat::kBGR, nullptr, stream_).front();
}

std::unique_ptr<DecodedPicture> DevicePicture::keep() {
  return std::make_unique<KeptDevicePicture>(gpu_, stream_, native());
}

}  // namespace odvd
