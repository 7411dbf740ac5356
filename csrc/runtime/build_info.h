// What this build compiled in and what the running machine offers, for build_info().
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/cuda_driver.h"

namespace odvd {

using NamedVersions = std::vector<std::pair<std::string, std::string>>;

struct CompiledInfo {
  std::string version;
  std::string compiler;
  NamedVersions ffmpeg;          // library -> version at build time, e.g. libavcodec -> 59.37.100
  std::string ffmpeg_linkage;    // "shared" or "static"
  std::string ffnvcodec;         // nv-codec-headers version
  bool cuda_kernels = false;     // nvcc was found and the fatbin is embedded
  std::vector<std::string> cuda_archs;  // "sm_75", ..., "compute_90" (PTX)
  std::string nvcc;              // nvcc version used, empty without kernels
  std::size_t fatbin_bytes = 0;
};

// What the loaded libavcodec offers for one codec the engine handles.
struct DecoderInfo {
  std::string codec;             // "h264", "hevc", "vp9", "av1"
  std::string decoder;           // avcodec_find_decoder()'s pick (the CPU backend's), empty if none
  bool nvdec_hwaccel = false;    // FFmpeg's native decoder of the codec has the NVDEC (CUDA) hwaccel
};

struct RuntimeInfo {
  NamedVersions ffmpeg;          // library -> version actually loaded
  std::string ffmpeg_release;    // av_version_info(), e.g. "5.1.7-0+deb12u1"
  std::vector<DecoderInfo> decoders;
  cuda::DriverStatus driver;     // libcuda / libnvcuvid / devices
};

CompiledInfo compiled_info();
RuntimeInfo runtime_info();

}  // namespace odvd
