#include "runtime/build_info.h"

#include <sstream>

#include "build_config.h"
#include "kernels/fatbin.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/hwcontext.h>
}

namespace odvd {

namespace {

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string version_string(unsigned v) {
  // AV_VERSION_INT packs major << 16 | minor << 8 | micro.
  return std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

std::vector<DecoderInfo> decoder_info() {
  const std::pair<const char*, AVCodecID> codecs[] = {
      {"h264", AV_CODEC_ID_H264}, {"hevc", AV_CODEC_ID_HEVC}, {"vp9", AV_CODEC_ID_VP9}, {"av1", AV_CODEC_ID_AV1}};
  std::vector<DecoderInfo> out;
  for (const auto& [name, id] : codecs) {
    DecoderInfo d;
    d.codec = name;
    if (const AVCodec* dec = avcodec_find_decoder(id)) d.decoder = dec->name;
    // Hwaccels hang off FFmpeg's native decoder, named as the codec (for AV1 not the one
    // avcodec_find_decoder picks, libdav1d); NVDEC's is the one on a CUDA device.
    const AVCodec* native = avcodec_find_decoder_by_name(name);
    for (int i = 0; native && !d.nvdec_hwaccel; ++i) {
      const AVCodecHWConfig* hw = avcodec_get_hw_config(native, i);
      if (!hw) break;
      d.nvdec_hwaccel = hw->device_type == AV_HWDEVICE_TYPE_CUDA && (hw->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX);
    }
    out.push_back(d);
  }
  return out;
}

}  // namespace

CompiledInfo compiled_info() {
  CompiledInfo info;
  info.version = ODVD_VERSION;
  info.compiler = ODVD_CXX_COMPILER;
  for (const std::string& kv : split_csv(ODVD_FFMPEG_VERSIONS)) {
    const auto eq = kv.find('=');
    info.ffmpeg.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
  info.ffmpeg_linkage = ODVD_FFMPEG_LINKAGE;
  info.ffnvcodec = ODVD_FFNVCODEC_VERSION;
  info.cuda_kernels = ODVD_CUDA_KERNELS != 0 && kernels::kFatbinSize > 0;
  info.cuda_archs = split_csv(ODVD_CUDA_ARCHS);
  info.nvcc = ODVD_NVCC_VERSION;
  info.fatbin_bytes = kernels::kFatbinSize;
  return info;
}

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.ffmpeg = {
      {"libavformat", version_string(avformat_version())},
      {"libavcodec", version_string(avcodec_version())},
      {"libavutil", version_string(avutil_version())},
  };
  info.ffmpeg_release = av_version_info();
  info.decoders = decoder_info();
  info.driver = cuda::Driver::get().status();
  return info;
}

}  // namespace odvd
