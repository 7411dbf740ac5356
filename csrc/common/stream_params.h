// What a decoder needs to know about a video stream, without its file: carried by VideoFile, written
// into bundles (docs/bundle-format.md) and read back from them.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace odvd {

// cudaVideoCodec numbering (the seed's Codec enum: h264=4, hevc=8, av1=11), used in bundles and
// by ParseSerializedPacketBundle / DecodeFromPacketListInitialize.
enum class Codec : int32_t { kH264 = 4, kHEVC = 8, kVP9 = 10, kAV1 = 11 };

struct StreamParams {
  Codec codec = Codec::kH264;
  int32_t ff_codec_id = 0;       // AVCodecID, informational
  int32_t coded_width = 0;       // decoder allocation size (display size aligned to the codec's block)
  int32_t coded_height = 0;
  int32_t width = 0;             // display size
  int32_t height = 0;
  int32_t bit_depth = 8;
  int32_t chroma_format = 1;     // 0: 4:0:0, 1: 4:2:0, 2: 4:2:2, 3: 4:4:4
  int32_t color_space = 2;       // AVColorSpace (2: unspecified)
  int32_t color_range = 0;       // AVColorRange (0: unspecified)
  int32_t color_primaries = 2;   // AVColorPrimaries
  int32_t color_trc = 2;         // AVColorTransferCharacteristic
  int32_t chroma_location = 0;   // AVChromaLocation (0: unspecified)
  int32_t time_base_num = 1;
  int32_t time_base_den = 1;
  int64_t frame_count = 0;       // frames of the whole stream
  int32_t stream_index = -1;     // the stream's index in its container (-1: not known, e.g. from a bundle)
  // Degrees the container's display matrix rotates the frames counter-clockwise to show them upright
  // (av_display_rotation_get; phone videos: -90, 90, 180); NaN without a display matrix, or from a
  // bundle. Informational: frames are decoded as stored.
  double rotation = std::numeric_limits<double>::quiet_NaN();
  std::vector<uint8_t> extradata;  // the container's codec configuration (avcC, hvcC, av1C, ...)
};

// Whether the stream's colour range is signalled (AVColorRange MPEG or JPEG, from the bitstream or the
// container); otherwise limited range is assumed (the seed's "could not obtain color range").
inline bool range_signalled(const StreamParams& p) { return p.color_range == 1 || p.color_range == 2; }

const char* codec_name(Codec c);
bool codec_known(int32_t value);

}  // namespace odvd
