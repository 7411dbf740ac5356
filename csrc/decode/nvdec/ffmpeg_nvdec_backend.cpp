#include "decode/nvdec/ffmpeg_nvdec_backend.h"

#include <stdexcept>

#include "decode/libav_decoder.h"
#include "decode/nvdec/device_picture.h"
#include "frames/frame_builder.h"  // decoded_with_errors
#include "runtime/cuda_driver.h"  // before hwcontext_cuda.h: ffnvcodec's CUDA declarations stand in for cuda.h

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
}

namespace odvd {
namespace {

const CudaFunctions& cu() { return cuda::Driver::get().cuda(); }

// The decoder that can drive NVDEC for `codec`: libavcodec's native one (for AV1 the hwaccel-only
// "av1", not libdav1d, which the CPU backend uses), if it has a CUDA hardware configuration.
const AVCodec* nvdec_capable_decoder(Codec codec) {
  const AVCodec* dec = codec == Codec::kAV1 ? avcodec_find_decoder_by_name("av1") : default_decoder(codec);
  if (!dec) return nullptr;
  for (int i = 0;; ++i) {
    const AVCodecHWConfig* c = avcodec_get_hw_config(dec, i);
    if (!c) return nullptr;
    if (c->device_type == AV_HWDEVICE_TYPE_CUDA && (c->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX)) return dec;
  }
}

struct BufferUnref {
  void operator()(AVBufferRef* p) const { av_buffer_unref(&p); }
};
using BufferPtr = std::unique_ptr<AVBufferRef, BufferUnref>;

// A CUDA hardware device over the GPU's primary context with `stream` as its stream: libavcodec's
// surface copies run on it, ordered with ours. Not allocated by FFmpeg, so FFmpeg never destroys it.
BufferPtr cuda_device(GpuDevice& gpu, const StreamPtr& stream) {
  BufferPtr ref(av_hwdevice_ctx_alloc(AV_HWDEVICE_TYPE_CUDA));
  if (!ref) throw std::runtime_error("this FFmpeg has no CUDA hardware device support (built without ffnvcodec)");
  auto* device = reinterpret_cast<AVHWDeviceContext*>(ref->data);
  auto* hw = static_cast<AVCUDADeviceContext*>(device->hwctx);
  hw->cuda_ctx = gpu.context()->get();
  hw->stream = stream.get();
  const int r = av_hwdevice_ctx_init(ref.get());
  if (r < 0) throw std::runtime_error("FFmpeg's CUDA device could not be set up: " + ff::error_string(r));
  return ref;
}

// get_format: the CUDA surface format when libavcodec offers it (its NVDEC hwaccel can decode this
// stream), else nothing: a GPU backend never falls back to decoding on the CPU.
AVPixelFormat pick_cuda(AVCodecContext* ctx, const AVPixelFormat* formats) {
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f) {
    if (*f == AV_PIX_FMT_CUDA) return *f;
  }
  *static_cast<bool*>(ctx->opaque) = true;  // the decoder reports it as an environment error
  return AV_PIX_FMT_NONE;
}

// The depth libavcodec decoded to, from the hardware frames' software format (FFmpeg's nvdec: NV12 for
// 8 bits, P010 for 10, P016 for 12), not the depth the stream's parameters declare: a bundle entry's
// header may say otherwise, and the engine checks the frame against it (GopEngine::decode_entries).
int decoded_depth(const AVFrame* f, const StreamParams& params) {
  const auto* frames = f->hw_frames_ctx ? reinterpret_cast<const AVHWFramesContext*>(f->hw_frames_ctx->data) : nullptr;
  switch (frames ? frames->sw_format : AV_PIX_FMT_NONE) {
    case AV_PIX_FMT_NV12: return 8;
    case AV_PIX_FMT_P010: return 10;
    case AV_PIX_FMT_P016: return 12;
    default: return params.bit_depth;
  }
}

class FfmpegPicture final : public DevicePicture {
 public:
  FfmpegPicture(GpuDevice& gpu, const StreamPtr& stream, const AVFrame* f, const StreamParams& params,
                const std::string& context)
      : DevicePicture(gpu, stream), f_(f), params_(params), context_(context) {}

 protected:
  FramePtr native() override {
    if (f_->format != AV_PIX_FMT_CUDA) {
      throw std::runtime_error(context_ + ": libavcodec returned a frame that is not on the GPU");
    }
    // Right / bottom cropping is applied to hardware frames' size; left / top is left to us.
    Surface s;
    s.luma = reinterpret_cast<uintptr_t>(f_->data[0]);
    s.luma_pitch = static_cast<size_t>(f_->linesize[0]);
    s.chroma = reinterpret_cast<uintptr_t>(f_->data[1]);
    s.chroma_pitch = static_cast<size_t>(f_->linesize[1]);
    s.left = static_cast<int32_t>(f_->crop_left);
    s.top = static_cast<int32_t>(f_->crop_top);
    s.width = static_cast<uint32_t>(f_->width - static_cast<int>(f_->crop_left));
    s.height = static_cast<uint32_t>(f_->height - static_cast<int>(f_->crop_top));
    s.bit_depth = decoded_depth(f_, params_);
    FramePtr frame = copy_surface(s, gpu_, stream_, params_, context_);
    ODVD_CHECK_CU(cu().cuStreamSynchronize(stream_.get()), context_ + ": copying a decoded surface");
    frame->corrupt = decoded_with_errors(f_);
    return frame;
  }

 private:
  const AVFrame* f_;
  const StreamParams& params_;
  const std::string& context_;
};

class FfmpegNvdecDecoder final : public Decoder {
 public:
  FfmpegNvdecDecoder(std::shared_ptr<GpuDevice> gpu, Codec codec, bool strict)
      : Decoder(codec), gpu_(std::move(gpu)), stream_(gpu_->new_stream()), device_(cuda_device(*gpu_, stream_)),
        dec_(decoder_for(codec), 1, strict ? ErrorPolicy::kStrict : ErrorPolicy::kLenient, [this](AVCodecContext* ctx) {
          ctx->hw_device_ctx = av_buffer_ref(device_.get());
          if (!ctx->hw_device_ctx) throw std::bad_alloc();
          ctx->get_format = pick_cuda;
          ctx->opaque = &no_cuda_format_;
        }) {}

  void send(const FeedPacket& packet, const OnPicture& on_picture) override {
    guarded([&] { dec_.send(packet, adapt(on_picture), context()); });
  }
  void drain(const OnPicture& on_picture) override {
    guarded([&] { dec_.drain(adapt(on_picture), context()); });
  }
  void reset() noexcept override { dec_.reset(); }

 private:
  static const AVCodec* decoder_for(Codec codec) {
    const AVCodec* dec = nvdec_capable_decoder(codec);
    if (!dec) {
      throw std::runtime_error(std::string("this FFmpeg cannot decode ") + codec_name(codec) +
                               " through NVDEC (built without its nvdec hwaccel); use gpu_backend='cuvid' or iGpu=-1");
    }
    return dec;
  }

  // Once get_format found no CUDA format, the GPU cannot decode the stream: that, not the data errors
  // libavcodec reports then (raised or, lenient, only remembered), is the error.
  template <typename Fn>
  void guarded(Fn&& fn) {
    cuda::ScopedContext current(gpu_->context()->get());
    std::exception_ptr data_error;
    try {
      fn();
    } catch (const std::invalid_argument&) {
      data_error = std::current_exception();
    }
    if (no_cuda_format_) {
      no_cuda_format_ = false;
      throw std::runtime_error(context() + ": NVDEC through FFmpeg cannot decode this " + codec_name(codec()) +
                               " stream (libavcodec's nvdec hwaccel refused it: an unsupported profile, bit depth or "
                               "size, or a driver error in FFmpeg's log); decode it with gpu_backend='cuvid' or iGpu=-1");
    }
    if (data_error) std::rethrow_exception(data_error);
  }

  LibavDecoder::OnFrame adapt(const OnPicture& on_picture) {
    return [this, &on_picture](int64_t id, const AVFrame* f) {
      FfmpegPicture picture(*gpu_, stream_, f, params(), context());
      on_picture(id, picture);
    };
  }

  std::shared_ptr<GpuDevice> gpu_;
  StreamPtr stream_;
  BufferPtr device_;
  bool no_cuda_format_ = false;
  LibavDecoder dec_;
};

}  // namespace

bool ffmpeg_has_nvdec(Codec codec) { return nvdec_capable_decoder(codec) != nullptr; }

GpuBackend::Idle::iterator FfmpegNvdecBackend::pick(Idle& idle, const StreamParams& params) {
  for (auto it = idle.begin(); it != idle.end(); ++it) {
    if ((*it)->codec() == params.codec) return it;
  }
  return idle.end();
}

std::unique_ptr<Decoder> FfmpegNvdecBackend::create(const StreamParams& params) {
  return std::make_unique<FfmpegNvdecDecoder>(gpu_, params.codec, strict());
}

}  // namespace odvd
