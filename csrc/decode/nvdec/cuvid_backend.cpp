#include "decode/nvdec/cuvid_backend.h"

namespace odvd {

GpuBackend::Idle::iterator CuvidBackend::pick(Idle& idle, const StreamParams& params) {
  // Best: same codec, depth and coded size (its decoder is kept as it is); next: same codec.
  auto best = idle.end();
  for (auto it = idle.begin(); it != idle.end(); ++it) {
    const auto& c = static_cast<const CuvidDecoder&>(**it);
    if (c.codec() != params.codec) continue;
    if (c.bit_depth() == params.bit_depth && c.coded_width() == uint32_t(params.coded_width) &&
        c.coded_height() == uint32_t(params.coded_height)) {
      return it;
    }
    if (best == idle.end()) best = it;
  }
  return best;
}

}  // namespace odvd
