// One packet as every decoder backend is fed it: Annex-B (H.264 / HEVC) or plain (VP9, AV1) bytes of
// one picture, in decode order, labelled with the frame it produces. The frame_id travels through the
// decoder as the packet's timestamp (pts for libavcodec, the parser timestamp for cuvid), so every
// picture that comes out says which frame it is, whatever the reordering (csrc/README.md "frame_id
// travels as pts").
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
#include <libavcodec/packet.h>
}

namespace odvd {

struct FeedPacket {
  const uint8_t* data = nullptr;  // used when `packet` is null (bundles, packet lists)
  size_t size = 0;
  const AVPacket* packet = nullptr;  // a packet read from a file (referenced, not copied, where possible)
  int64_t frame_id = -1;             // < 0: the packet's picture is not shown (or not wanted)
  bool key = false;

  const uint8_t* bytes() const { return packet ? packet->data : data; }
  size_t byte_count() const { return packet ? static_cast<size_t>(packet->size) : size; }
};

}  // namespace odvd
