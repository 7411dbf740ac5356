#include "runtime/build_info.h"

#include <sstream>

#include "build_config.h"
#include "kernels/fatbin.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
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
      {"libswscale", version_string(swscale_version())},
  };
  info.ffmpeg_release = av_version_info();
  info.driver = cuda::Driver::get().status();
  return info;
}

}  // namespace odvd
