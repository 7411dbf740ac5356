#include "common/stream_params.h"

namespace odvd {

const char* codec_name(Codec c) {
  switch (c) {
    case Codec::kH264: return "h264";
    case Codec::kHEVC: return "hevc";
    case Codec::kVP9: return "vp9";
    case Codec::kAV1: return "av1";
  }
  return "unknown";
}

bool codec_known(int32_t v) {
  return v == static_cast<int32_t>(Codec::kH264) || v == static_cast<int32_t>(Codec::kHEVC) ||
         v == static_cast<int32_t>(Codec::kVP9) || v == static_cast<int32_t>(Codec::kAV1);
}

}  // namespace odvd
