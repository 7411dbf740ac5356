#include "decode/backend.h"

#include <stdexcept>

#include "common/error.h"
#include "decode/cpu/cpu_backend.h"
#include "decode/nvdec/cuvid_backend.h"
#include "decode/nvdec/ffmpeg_nvdec_backend.h"

namespace odvd {

void Decoder::run(const std::vector<FeedPacket>& feed, const std::vector<int64_t>& /*targets*/,
                  const OnPicture& on_picture) {
  struct Reset {  // leave the decoder ready for the next run, also when this one throws
    Decoder* d;
    ~Reset() { d->reset(); }
  } reset{this};
  for (const FeedPacket& f : feed) send(f, on_picture);
  drain(on_picture);
}

GpuBackendKind gpu_backend_kind(const std::string& name) {
  if (name == "cuvid") return GpuBackendKind::kCuvid;
  if (name == "ffmpeg") return GpuBackendKind::kFfmpeg;
  throw std::invalid_argument("gpu_backend must be 'cuvid' or 'ffmpeg', not '" + name + "'");
}

const char* gpu_backend_name(GpuBackendKind kind) { return kind == GpuBackendKind::kCuvid ? "cuvid" : "ffmpeg"; }

std::shared_ptr<DecoderBackend> make_backend(int device, const BackendOptions& options) {
  if (device < 0) return std::make_shared<CpuBackend>(options.strict);
  std::shared_ptr<GpuDevice> dev = GpuDevice::get(device);
  if (options.gpu == GpuBackendKind::kFfmpeg) return std::make_shared<FfmpegNvdecBackend>(std::move(dev), options.strict);
  return std::make_shared<CuvidBackend>(std::move(dev), options.strict);
}

void check_intact(const DecoderBackend& backend, const Frame& frame, const std::string& context) {
  if (!backend.strict() || !frame.corrupt) return;
  throw DataError(context + ": frame_id=" + std::to_string(frame.frame_id) +
                  " was decoded from damaged data (the decoder reported errors; strict decoding)");
}

}  // namespace odvd
